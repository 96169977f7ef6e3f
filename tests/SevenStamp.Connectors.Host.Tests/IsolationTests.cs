using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Isolation;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>A real host with connectors in worker processes of their own (<c>"isolation": "process"</c>) beside in-process ones.</summary>
public sealed class IsolatedHostFixture : IAsyncLifetime
{
    public const string Secret = "shop-secret-0123456789";

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await RunningHost.StartAsync(
            """
            { "connectors": [
                { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "shop-secret-0123456789" } },
                { "id": "iso-shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "isolation": "process", "settings": { "signingSecret": "shop-secret-0123456789" } },
                { "id": "crasher", "plugin": "faulty-test", "merchantId": "cafe-1", "isolation": "process", "settings": { "mode": "crash-thread-on-webhook" } },
                { "id": "exiter", "plugin": "faulty-test", "merchantId": "cafe-1", "isolation": "process", "settings": { "mode": "exit-on-webhook" } },
                { "id": "iso-thrower", "plugin": "faulty-test", "merchantId": "cafe-1", "isolation": "process", "settings": { "mode": "throw-on-webhook" } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Webhooks:Timeout"] = "00:00:30",
                ["SevenStamp:ConnectorStartTimeout"] = "00:01:00",
                ["SevenStamp:ConnectorRestartDelay"] = "00:00:03",
                ["SevenStamp:ConnectorRestartMaxDelay"] = "00:00:05",
            });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class IsolationTests(IsolatedHostFixture fixture) : IClassFixture<IsolatedHostFixture>
{
    private const string Secret = IsolatedHostFixture.Secret;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task IsolatedWebhook_SignedSale_IsPublishedDurablyAndItsRedeliveryIsNot()
    {
        // Arrange
        await WaitRunningAsync("iso-shop");
        var body = RunningHost.SaleJson("evt-iso-1", "S-ISO-1", "cust-iso-1");

        // Act
        var first = await Host.PostWebhookAsync("iso-shop", body, Secret);
        var again = await Host.PostWebhookAsync("iso-shop", body, Secret);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("\"outcome\":\"accepted\"", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("iso-shop", "cust-iso-1") == 1, Patience), "The isolated connector's sale was not stamped.");
        Assert.Equal(1, await Host.DeliveriesOfAsync("iso-shop", "S-ISO-1"));
        Assert.True(await Host.QueryConnectorStoreAsync(db => db.SeenEvents.AnyAsync(e => e.ConnectorId == "iso-shop" && e.EventId == "evt-iso-1")), "The duplicate check did not reach the host's store.");
    }

    [Fact]
    public async Task IsolatedWebhook_BadSignature_Gets401AndNothingIsPublished()
    {
        // Arrange
        await WaitRunningAsync("iso-shop");
        var body = RunningHost.SaleJson("evt-iso-bad", "S-ISO-BAD", "cust-iso-bad");

        // Act
        var wrong = await Host.PostWebhookAsync("iso-shop", body, "not-the-shop-secret-123");
        var good = await Host.PostWebhookAsync("iso-shop", RunningHost.SaleJson("evt-iso-after", "S-ISO-AFTER", "cust-iso-bad"), Secret);

        // Assert: the good one after the bad one is stamped, the bad one never is.
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("iso-shop", "cust-iso-bad") == 1, Patience));
        Assert.False(await Host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == "S-ISO-BAD")));
    }

    [Fact]
    public async Task IsolatedWebhook_PluginThrows_Gets500AndTheWorkerKeepsRunning()
    {
        // Arrange
        var pid = await WaitRunningAsync("iso-thrower");

        // Act
        var response = await Host.PostWebhookAsync("iso-thrower", "{}", secret: null);

        // Assert
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Running", (await ConnectorAsync("iso-thrower")).GetProperty("state").GetString());
        Assert.Equal(pid, WorkerPid("iso-thrower"));
    }

    [Theory]
    [InlineData("crasher", "Crashing a thread of its own on purpose")]
    [InlineData("exiter", "Failing fast on purpose")]
    public async Task IsolatedWorker_DiesOnWebhook_Gets503HostAndOthersCarryOnAndItIsRestarted(string connectorId, string lastWords)
    {
        // Arrange
        var before = await WaitRunningAsync(connectorId);
        await WaitRunningAsync("iso-shop");

        // Act
        var crash = await Host.PostWebhookAsync(connectorId, "{}", secret: null);
        var inProcess = await Host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{connectorId}-1", $"S-{connectorId}-1", $"cust-{connectorId}"), Secret);
        var isolated = await Host.PostWebhookAsync("iso-shop", RunningHost.SaleJson($"evt-{connectorId}-2", $"S-{connectorId}-2", $"cust-{connectorId}"), Secret);

        // Assert: the POS is told to retry, the host and the other connectors are untouched.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, crash.StatusCode);
        Assert.Equal(HttpStatusCode.OK, inProcess.StatusCode);
        Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("iso-shop", $"cust-{connectorId}") == 1 && await Host.StampsOfAsync("shop", $"cust-{connectorId}") == 1, Patience));

        // The dead one is reported failed with the reason, on /connectors and /health/ready…
        Assert.True(await Eventually.HoldsAsync(async () => (await ConnectorAsync(connectorId)).GetProperty("state").GetString() == "Failed", Patience), "The connector was not marked failed.");
        var ready = await Host.Client.GetAsync("/health/ready");
        var reason = (await ConnectorAsync(connectorId)).GetProperty("reason").GetString();
        Assert.Contains(lastWords, reason, StringComparison.Ordinal);
        Assert.Contains("its process", reason, StringComparison.Ordinal);
        Assert.Contains(lastWords, await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await HasExitedAsync(before), "The dead worker process is still there.");

        // …and comes back after its backoff, in a new worker process.
        var after = await WaitRunningAsync(connectorId);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task IsolatedWorker_DyingSoonAfterEachRestart_KeepsBackingOff()
    {
        // Arrange: a worker that dies on every webhook (the fixture's longest back-off is 5 s).
        await WaitRunningAsync("exiter");
        var first = await CrashAsync("exiter");

        // Act: restarted after its back-off, it dies again at once.
        await WaitRunningAsync("exiter");
        var second = await CrashAsync("exiter");

        // Assert: the restart in between did not start the series over, so the next wait is longer.
        Assert.Equal(first.Attempts + 1, second.Attempts);
        Assert.True(second.Wait > first.Wait || second.Wait >= TimeSpan.FromSeconds(4.5), $"The back-off did not grow: {first.Wait} then {second.Wait}.");
    }

    /// <summary>Kills the connector's worker with a webhook; returns its restart count and wait once it is marked failed.</summary>
    private async Task<(int Attempts, TimeSpan Wait)> CrashAsync(string connectorId)
    {
        var crashed = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Host.PostWebhookAsync(connectorId, "{}", secret: null)).StatusCode);
        JsonElement connector = default;
        Assert.True(
            await Eventually.HoldsAsync(async () => (connector = await ConnectorAsync(connectorId)).GetProperty("state").GetString() == "Failed" && connector.GetProperty("nextRestartAt").ValueKind == JsonValueKind.String, Patience),
            $"{connectorId} was not marked failed with a restart planned.");
        return (connector.GetProperty("restartAttempts").GetInt32(), connector.GetProperty("nextRestartAt").GetDateTimeOffset() - crashed);
    }

    [Fact]
    public async Task IsolatedWebhook_LatencyAgainstInProcess_IsMeasured()
    {
        // Arrange
        await WaitRunningAsync("iso-shop");
        const int count = 40;

        // Act
        var inProcess = await TimeWebhooksAsync("shop", "lat-in", count);
        var isolated = await TimeWebhooksAsync("iso-shop", "lat-iso", count);

        // Assert: every one accepted; the timings are only reported.
        Assert.All(inProcess.Statuses.Concat(isolated.Statuses), s => Assert.Equal(HttpStatusCode.OK, s));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"median webhook latency over {count}: in-process {inProcess.Median.TotalMilliseconds:0.0} ms, isolated {isolated.Median.TotalMilliseconds:0.0} ms");
    }

    private async Task<(List<HttpStatusCode> Statuses, TimeSpan Median)> TimeWebhooksAsync(string connectorId, string prefix, int count)
    {
        var statuses = new List<HttpStatusCode>();
        var times = new List<TimeSpan>();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await Host.PostWebhookAsync(connectorId, RunningHost.SaleJson($"{prefix}-{i}", $"S-{prefix}-{i}", $"cust-{prefix}"), Secret);
            times.Add(Stopwatch.GetElapsedTime(started));
            statuses.Add(response.StatusCode);
        }

        times.Sort();
        return (statuses, times[count / 2]);
    }

    private int? WorkerPid(string connectorId) =>
        Host.Services.GetRequiredService<ConnectorSupervisor>().TryGet(connectorId, out var runtime) && runtime.Task is IsolatedConnectorTask task ? task.ProcessId : null;

    /// <summary>Waits until the connector runs and returns its worker's process id.</summary>
    private async Task<int> WaitRunningAsync(string connectorId)
    {
        Assert.True(
            await Eventually.HoldsAsync(async () => (await ConnectorAsync(connectorId)).GetProperty("state").GetString() == "Running" && WorkerPid(connectorId) is not null, Patience),
            $"{connectorId} did not run in a worker process.");
        return WorkerPid(connectorId)!.Value;
    }

    internal static async Task<bool> HasExitedAsync(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<JsonElement> ConnectorAsync(string id)
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync("/connectors"));
        return document.RootElement.GetProperty("connectors").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).Clone();
    }
}

/// <summary>Stopping and orphan-proofing of worker processes, each with a host or worker of its own.</summary>
public sealed class IsolationLifecycleTests
{
    [Theory]
    [InlineData("hang-on-stop", false)]
    [InlineData("hang-on-stop-and-exit", true)]
    public async Task HostStop_IsolatedConnectorHangsInStop_WorkerIsKilledAndHostStops(string mode, bool mustBeKilled)
    {
        // Arrange
        var logs = new CapturingLoggerProvider();
        var host = await RunningHost.StartAsync(
            $$"""{ "connectors": [ { "id": "stuck", "plugin": "faulty-test", "merchantId": "cafe-1", "isolation": "process", "settings": { "mode": "{{mode}}" } } ] }""",
            new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory", ["SevenStamp:ConnectorStartTimeout"] = "00:01:00" },
            logs: logs);
        var supervisor = host.Services.GetRequiredService<ConnectorSupervisor>();
        int? pid = null;
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult((pid = supervisor.TryGet("stuck", out var r) && r.State == ConnectorState.Running && r.Task is IsolatedConnectorTask t ? t.ProcessId : null) is not null), TimeSpan.FromSeconds(60)));

        // Act
        var stopping = Stopwatch.StartNew();
        await host.DisposeAsync();
        stopping.Stop();

        // Assert: stopped well inside the host's 30 s shutdown timeout, and the worker is gone.
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(25), $"The host took {stopping.Elapsed} to stop.");
        Assert.True(await IsolationTests.HasExitedAsync(pid!.Value), "The hanging worker process survived the host's stop.");
        Assert.Contains(logs.Lines, l => l.Contains("did not stop within 5 s", StringComparison.Ordinal));
        if (mustBeKilled)
        {
            // Closing its input was not enough (its exit hangs): the process tree was killed.
            Assert.Contains(logs.Lines, l => l.Contains("Killing worker process", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Worker_ParentClosesItsInput_WorkerExits()
    {
        // Arrange: a worker as the host starts it; the host "dies" (its end of the worker's stdin closes).
        using var catalog = PluginCatalog.Load(TestPaths.BundledPlugins, NullLogger.Instance);
        using var process = Process.Start(IsolatedConnectorTask.WorkerStartInfo(catalog.Plugins["generic-webhook"], 4 * 1024 * 1024))!;
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        // Act
        process.StandardInput.Close();

        // Assert
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.DoesNotContain("|Connector worker cannot run", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WrongPluginId_ExitsWithAClearReason()
    {
        // Arrange
        using var catalog = PluginCatalog.Load(TestPaths.BundledPlugins, NullLogger.Instance);
        var info = IsolatedConnectorTask.WorkerStartInfo(catalog.Plugins["generic-webhook"], 4 * 1024 * 1024);
        info.ArgumentList[info.ArgumentList.IndexOf("--plugin-id") + 1] = "square";

        // Act
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        // Assert
        Assert.Equal(3, process.ExitCode);
        Assert.Contains("is 'generic-webhook', not 'square'", stderr, StringComparison.Ordinal);
    }
}

/// <summary>The frame protocol and the connectors-file field, without processes.</summary>
public sealed class IsolationProtocolTests
{
    [Fact]
    public async Task FrameChannel_CallAndReply_RoundTripsBothWays()
    {
        // Arrange: two channels joined by two pipes; each answers the other's calls.
        var (a, b) = (new Pipe(), new Pipe());
        using var left = new FrameChannel(a.Reader.AsStream(), b.Writer.AsStream(), (f, _) => Task.FromResult(WorkerFrame.Ok() with { Value = "left:" + f.Key }), 1024 * 1024);
        using var right = new FrameChannel(b.Reader.AsStream(), a.Writer.AsStream(), (f, _) => Task.FromResult(WorkerFrame.Ok() with { Value = "right:" + f.Key }), 1024 * 1024);
        _ = left.RunAsync(TestContext.Current.CancellationToken);
        _ = right.RunAsync(TestContext.Current.CancellationToken);

        // Act
        var fromRight = await left.CallAsync(new WorkerFrame { Type = WorkerFrame.GetOffset, Key = "k1" }, TestContext.Current.CancellationToken);
        var fromLeft = await right.CallAsync(new WorkerFrame { Type = WorkerFrame.GetOffset, Key = "k2" }, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal("right:k1", fromRight.Value);
        Assert.Equal("left:k2", fromLeft.Value);
    }

    [Fact]
    public async Task FrameChannel_Closed_FailsPendingCallWithTheReason()
    {
        // Arrange: nobody answers.
        var (a, b) = (new Pipe(), new Pipe());
        using var channel = new FrameChannel(a.Reader.AsStream(), b.Writer.AsStream(), (_, _) => Task.FromResult(WorkerFrame.Ok()), 1024 * 1024);
        var call = channel.CallAsync(new WorkerFrame { Type = WorkerFrame.Webhook }, TestContext.Current.CancellationToken);

        // Act
        channel.Close("its process exited with code 1");

        // Assert
#pragma warning disable VSTHRD003 // The call was started by this test, above.
        var error = await Assert.ThrowsAsync<WorkerUnavailableException>(() => call);
#pragma warning restore VSTHRD003
        Assert.Equal("its process exited with code 1", error.Message);
        await Assert.ThrowsAsync<WorkerUnavailableException>(() => channel.CallAsync(new WorkerFrame { Type = WorkerFrame.Stop }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task FrameChannel_OversizedFrame_IsRefused()
    {
        // Arrange
        var pipe = new Pipe();
        using var channel = new FrameChannel(pipe.Reader.AsStream(), Stream.Null, (_, _) => Task.FromResult(WorkerFrame.Ok()), 1024);
        await pipe.Writer.WriteAsync(new byte[] { 0x7f, 0, 0, 0 }, TestContext.Current.CancellationToken);

        // Act + Assert
        await Assert.ThrowsAsync<InvalidDataException>(() => channel.RunAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void WorkerLog_LineWithNewlines_StaysOneLineAndParsesBack()
    {
        // Arrange
        var line = WorkerLog.Format(LogLevel.Warning, "Cat", "first\r\nforged|line");

        // Act
        var (level, category, message) = WorkerLog.Parse(line);

        // Assert
        Assert.DoesNotContain('\n', line);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("Cat", category);
        Assert.Equal("first  forged|line", message);
    }

    [Theory]
    [InlineData("\"process\"", ConnectorIsolation.Process)]
    [InlineData("\"in-process\"", ConnectorIsolation.InProcess)]
    [InlineData("null", ConnectorIsolation.InProcess)]
    public void ConfigurationFile_Isolation_IsRead(string value, ConnectorIsolation expected)
    {
        // Act
        var (connectors, errors) = ConnectorConfigurationFile.Parse($$"""{ "connectors": [ { "id": "a", "plugin": "p", "merchantId": "m", "isolation": {{value}} } ] }""", _ => null);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(expected, Assert.Single(connectors).Isolation);
    }

    [Fact]
    public void ConfigurationFile_UnknownIsolation_IsAnErrorNamingTheField()
    {
        // Act
        var (connectors, errors) = ConnectorConfigurationFile.Parse("""{ "connectors": [ { "id": "a", "plugin": "p", "merchantId": "m", "isolation": "container" } ] }""", _ => null);

        // Assert
        Assert.Empty(connectors);
        var error = Assert.Single(errors);
        Assert.Equal("isolation", error.Field);
        Assert.Contains("\"process\"", error.Message, StringComparison.Ordinal);
    }
}
