using System.Net;
using System.Net.Http.Json;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The README's demo command, run as a real process of the built host.</summary>
public sealed class DemoTests : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("sevenstamp-demo-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task Demo_Run_TakesSalesThroughToStampsAndStopsByItself()
    {
        await using var demo = await StartDemoAsync("--SevenStamp:Demo:StopAfter=00:00:05");

        var exited = await demo.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exited, "The demo did not stop after its StopAfter time.\n" + demo.Output);
        Assert.Equal(0, demo.ExitCode);
        Assert.Contains("sale in  demo-pos/", demo.Output, StringComparison.Ordinal);
        Assert.Contains("stamp    demo-pos/", demo.Output, StringComparison.Ordinal);
        Assert.Contains("cards (final):", demo.Output, StringComparison.Ordinal);
        Assert.Contains("Loaded plugin pos-simulator", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_CtrlC_StopsCleanly()
    {
        await using var demo = await StartDemoAsync();
        Assert.True(await demo.WaitForOutputAsync("stamp    demo-pos/", TimeSpan.FromSeconds(90)), "No stamp was printed.\n" + demo.Output);

        // The printed sign-ins work: the owner reads the café's program, the staff member may not.
        Assert.True(await demo.WaitForOutputAsync("sign in as the café's staff", TimeSpan.FromSeconds(30)), "No sign-ins were printed.\n" + demo.Output);
        var url = demo.BaseAddress.ToString();
        var owner = System.Text.RegularExpressions.Regex.Match(demo.Output, "owner: user \"([^\"]+)\", password \"([^\"]+)\"");
        var staff = System.Text.RegularExpressions.Regex.Match(demo.Output, "staff: user \"([^\"]+)\", password \"([^\"]+)\"");
        Assert.True(owner.Success && staff.Success && url.Length > 0, "No sign-ins or address were printed.\n" + demo.Output);
        Assert.Equal(HttpStatusCode.OK, await ReadProgramAsAsync(url, owner.Groups[1].Value, owner.Groups[2].Value));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadProgramAsAsync(url, staff.Groups[1].Value, staff.Groups[2].Value));
        Assert.Contains($"at {url.TrimEnd('/')}/console", demo.Output, StringComparison.Ordinal);
        Assert.Equal("Welcome, " + owner.Groups[1].Value, await ConsoleHeadingAsAsync(url, owner.Groups[1].Value, owner.Groups[2].Value));

        // SIGINT is what Ctrl+C sends.
        await demo.SignalAsync("INT");

        Assert.True(await demo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "The demo did not stop on SIGINT.\n" + demo.Output);
        Assert.Equal(0, demo.ExitCode);
        Assert.Contains("cards (final):", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", demo.Output, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> ReadProgramAsAsync(string url, string userName, string password)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(url) };
        var signedIn = await client.PostAsJsonAsync("/api/account/sign-in", new { userName, password });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        return (await client.GetAsync("/api/merchants/demo-cafe/program")).StatusCode;
    }

    /// <summary>Signs in through the sign-in page's form, as a browser does, and reads the console's heading.</summary>
    private static async Task<string> ConsoleHeadingAsAsync(string url, string userName, string password)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(url) };
        var form = await client.GetStringAsync("/account/sign-in?returnUrl=%2Fconsole");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var posted = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
            ["Input.ReturnUrl"] = "/console",
        });
        var console = await client.PostAsync("/account/sign-in", posted);
        var page = await console.Content.ReadAsStringAsync();
        return System.Text.RegularExpressions.Regex.Match(page, "<h1[^>]*>([^<]+)</h1>").Groups[1].Value;
    }

    /// <summary>The demo on a port of its choosing, up once it says where it listens.</summary>
    private async Task<HostProcess> StartDemoAsync(params string[] extra)
    {
        var demo = new HostProcess(new HostProcessOptions
        {
            Arguments = ["demo", .. extra],
            WorkingDirectory = _workingDirectory.FullName,
            Port = 0,
            ReadyPath = null,
            // Ctrl+C must reach it even when this test run was started in the background.
            DefaultInterruptSignal = true,
        });
        try
        {
            await demo.StartAsync();
            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }
}
