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

        // The staff member lands on the counter scanner; the printed join link and a printed card link open as pages.
        Assert.Equal("/scanner", await SignInLandingAsync(url, staff.Groups[1].Value, staff.Groups[2].Value));
        Assert.Contains($"at {url.TrimEnd('/')}/scanner", demo.Output, StringComparison.Ordinal);
        var join = System.Text.RegularExpressions.Regex.Match(demo.Output, @"customers join at (\S+)");
        Assert.True(join.Success, "No join link was printed.\n" + demo.Output);
        Assert.True(await demo.WaitForOutputAsync("/wallet/cards/", TimeSpan.FromSeconds(30)), "No card link was printed.\n" + demo.Output);
        var card = System.Text.RegularExpressions.Regex.Match(demo.Output, @"(http://\S+/wallet/cards/[0-9a-f]{32}/[A-Za-z0-9_-]+)");
        Assert.True(card.Success, "No card link was printed.\n" + demo.Output);
        Assert.Equal(url.TrimEnd('/') + "/join/demo-cafe", join.Groups[1].Value);
        foreach (var link in new[] { join.Groups[1].Value, card.Groups[1].Value })
        {
            var (status, mediaType, body) = await BrowseAsync(link);
            Assert.True(status == HttpStatusCode.OK && mediaType == "text/html" && body.Contains("<html", StringComparison.Ordinal), $"{link}: {(int)status} {mediaType}");
        }

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

    /// <summary>Signs in through the sign-in page's form with no page to return to; the path the browser ends on.</summary>
    private static async Task<string> SignInLandingAsync(string url, string userName, string password)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(url) };
        var form = await client.GetStringAsync("/account/sign-in");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var posted = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        });
        using var landed = await client.PostAsync("/account/sign-in", posted);
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        return landed.RequestMessage!.RequestUri!.AbsolutePath;
    }

    /// <summary>A page as a browser asks for it: its status, media type and body.</summary>
    private static async Task<(HttpStatusCode Status, string? MediaType, string Body)> BrowseAsync(string link)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, link);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
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
