using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The README's demo command, run as a real process of the built host.</summary>
public sealed class DemoTests : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("sevenstamp-demo-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task Demo_Run_TakesSalesThroughToStampsAndStopsByItself()
    {
        using var demo = StartDemo("--SevenStamp:Demo:StopAfter=00:00:05");

        var exited = await demo.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exited, "The demo did not stop after its StopAfter time.\n" + demo.Output);
        Assert.Equal(0, demo.Process.ExitCode);
        Assert.Contains("sale in  demo-pos/", demo.Output, StringComparison.Ordinal);
        Assert.Contains("stamp    demo-pos/", demo.Output, StringComparison.Ordinal);
        Assert.Contains("cards (final):", demo.Output, StringComparison.Ordinal);
        Assert.Contains("Loaded plugin pos-simulator", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_CtrlC_StopsCleanly()
    {
        using var demo = StartDemo();
        Assert.True(await demo.WaitForOutputAsync("stamp    demo-pos/", TimeSpan.FromSeconds(90)), "No stamp was printed.\n" + demo.Output);

        // The printed sign-ins work: the owner reads the café's program, the staff member may not.
        var url = System.Text.RegularExpressions.Regex.Match(demo.Output, @"Now listening on: (http://\S+)").Groups[1].Value;
        var owner = System.Text.RegularExpressions.Regex.Match(demo.Output, "owner: user \"([^\"]+)\", password \"([^\"]+)\"");
        var staff = System.Text.RegularExpressions.Regex.Match(demo.Output, "staff: user \"([^\"]+)\", password \"([^\"]+)\"");
        Assert.True(owner.Success && staff.Success && url.Length > 0, "No sign-ins or address were printed.\n" + demo.Output);
        Assert.Equal(HttpStatusCode.OK, await ReadProgramAsAsync(url, owner.Groups[1].Value, owner.Groups[2].Value));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadProgramAsAsync(url, staff.Groups[1].Value, staff.Groups[2].Value));

        // SIGINT is what Ctrl+C sends.
        using (var kill = Process.Start("kill", ["-INT", demo.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.True(await demo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "The demo did not stop on SIGINT.\n" + demo.Output);
        Assert.Equal(0, demo.Process.ExitCode);
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

    private DemoProcess StartDemo(params string[] extra)
    {
        // A terminal delivers Ctrl+C to a process whose SIGINT is at its default. A test run started in the background
        // by a non-interactive shell (`… &`, nohup) inherits SIGINT ignored, and the runtime then leaves it ignored; so
        // on Linux the demo is started through GNU env with SIGINT reset, as it would be from a terminal.
        var viaEnv = OperatingSystem.IsLinux() && File.Exists("/usr/bin/env");
        var start = new ProcessStartInfo(viaEnv ? "/usr/bin/env" : "dotnet")
        {
            WorkingDirectory = _workingDirectory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (viaEnv)
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SevenStamp.Connectors.Host.dll"));
        start.ArgumentList.Add("demo");
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var argument in extra)
        {
            start.ArgumentList.Add(argument);
        }

        return new DemoProcess(Process.Start(start)!);
    }

    private sealed class DemoProcess : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly Lock _gate = new();

        public DemoProcess(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(cts.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline && !Process.HasExited)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }

                await Task.Delay(100);
            }

            return Output.Contains(text, StringComparison.Ordinal);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _output.AppendLine(line);
            }
        }
    }
}
