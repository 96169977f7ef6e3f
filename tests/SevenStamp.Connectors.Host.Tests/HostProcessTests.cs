using System.Net;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The tests' launcher of the built host as its own process: ready, killed, restarted, stopped, failed.</summary>
public sealed class HostProcessTests : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("sevenstamp-launcher-");

    public HostProcessTests() => File.WriteAllText(Path.Combine(_workingDirectory.FullName, "connectors.json"), """{ "connectors": [] }""");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task StartAsync_AfterKill_ServesAgainOnTheSamePort()
    {
        await using var host = Host();
        await host.StartAsync();
        var (port, first) = (host.Port, host.ProcessId);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        await host.KillAsync();
        Assert.True(host.HasExited);
        Assert.NotEqual(0, host.ExitCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri("/health/live", UriKind.Relative)));

        await host.StartAsync();
        Assert.Equal(port, host.Port);
        Assert.NotEqual(first, host.ProcessId);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task StopAsync_Sigterm_ExitsCleanlyWithinTheGracePeriod()
    {
        await using var host = Host();
        await host.StartAsync();

        var (exitCode, took) = await host.StopAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"The host exited with {exitCode} after SIGTERM:\n{host.Output}");
        Assert.True(took < TimeSpan.FromSeconds(30));
        Assert.True(host.HasExited);
    }

    [Fact]
    public async Task StartAsync_ProgramExitsBeforeReady_FailsWithItsOutput()
    {
        await using var missing = new HostProcess(new HostProcessOptions { EntryAssembly = "SevenStamp.NoSuchProgram.dll", WorkingDirectory = _workingDirectory.FullName });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => missing.StartAsync());

        Assert.Contains("exited with", error.Message, StringComparison.Ordinal);
        Assert.Contains("SevenStamp.NoSuchProgram.dll", error.Message, StringComparison.Ordinal);
        Assert.True(missing.HasExited);
    }

    [Fact]
    public async Task StartAsync_HostPickedPortAfterRestart_ReadsTheAddressOfThisStart()
    {
        await using var host = Host(port: 0);
        await host.StartAsync();
        var first = host.BaseAddress;
        Assert.True(await host.WaitForOutputAsync($"Now listening on: {first.GetLeftPart(UriPartial.Authority)}", TimeSpan.FromSeconds(5)));

        await host.KillAsync();
        await host.StartAsync();

        // The first start's line is still in the output; the address is the one the second start printed.
        Assert.Contains($"Now listening on: {first.GetLeftPart(UriPartial.Authority)}", host.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        Assert.Equal(host.BaseAddress.Port, host.Port);
    }

    private HostProcess Host(int? port = null) => new(new HostProcessOptions
    {
        WorkingDirectory = _workingDirectory.FullName,
        Port = port,
        Environment = new Dictionary<string, string?>
        {
            ["SevenStamp__Bus__Transport"] = "InMemory",
            ["SevenStamp__Database__ConnectionString"] = $"Data Source={Path.Combine(_workingDirectory.FullName, "loyalty.db")}",
            ["SevenStamp__ConnectorsFile"] = Path.Combine(_workingDirectory.FullName, "connectors.json"),
        },
    });
}
