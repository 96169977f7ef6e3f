using System.Text;
using RabbitMQ.Client;
using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Operations;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>A poison message ends in the error queue, and the operator's <c>errors</c> command lists, shows, replays and purges it.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class ErrorQueueTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>, IAsyncLifetime
{
    private RunningHost _host = null!;
    private readonly CapturingLoggerProvider _logs = new();

    private BusOptions Bus => new() { RabbitMqUri = rabbit.Uri, NamePrefix = rabbit.NamePrefix };

    public async ValueTask InitializeAsync() =>
        _host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Bus:QueueMetricsInterval"] = "00:00:00.500",
                ["Logging:LogLevel:SevenStamp.Connectors.Host.Messaging"] = "Debug",
            },
            logs: _logs);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ErrorQueue_PoisonSale_LandsThereAndTheOperatorCanSeeReplayAndPurgeIt()
    {
        await PublishPoisonAsync();

        Assert.True(await Eventually.HoldsAsync(async () => (await RunAsync("list")).Output.Contains($"{rabbit.NamePrefix}sale-completed_error\t1 message(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), "The poison message did not reach the error queue.");

        // Consumer lag is exported: the error queue's depth and the outbox backlog.
        var errorGauge = new System.Text.RegularExpressions.Regex($"sevenstamp_queue_messages\\{{[^}}]*queue=\"{rabbit.NamePrefix}sale-completed_error\"\\}} 1\n");
        Assert.True(await Eventually.HoldsAsync(async () => errorGauge.IsMatch(await _host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative))), TimeSpan.FromSeconds(30)), "/metrics did not show the error queue's depth:\n" + string.Join("\n", (await _host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n').Where(l => l.Contains("queue", StringComparison.Ordinal) || l.Contains("outbox", StringComparison.Ordinal))));

        var show = await RunAsync("show", "--queue", "sale-completed");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("urn:message:SevenStamp.Contracts:SaleCompleted", show.Output, StringComparison.Ordinal);
        Assert.Contains("fault ", show.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"poison\"", show.Output, StringComparison.Ordinal);
        Assert.Contains("1 message(s)", (await RunAsync("list")).Output, StringComparison.Ordinal);

        var replay = await RunAsync("replay", "--queue", "sale-completed");
        Assert.Contains("1 message(s) replayed", replay.Output, StringComparison.Ordinal);
        // Still poison: it fails again and comes back.
        Assert.True(await Eventually.HoldsAsync(async () => (await RunAsync("list")).Output.Contains("sale-completed_error\t1 message(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(60)));

        Assert.Equal(2, (await RunAsync("purge", "--queue", "sale-completed")).ExitCode);
        var purge = await RunAsync("purge", "--queue", "sale-completed", "--yes");
        Assert.Contains("1 message(s) purged", purge.Output, StringComparison.Ordinal);
        var list = (await RunAsync("list")).Output;
        Assert.Contains("sale-completed_error\t0 message(s)", list, StringComparison.Ordinal);
        // The wallet updaters' error queues are listed too, not only the loyalty consumers'; this host has both
        // providers off, so they do not exist.
        Assert.Contains($"{rabbit.NamePrefix}apple-pass-updates_error\tno such queue", list, StringComparison.Ordinal);
        Assert.Contains($"{rabbit.NamePrefix}google-wallet-updates_error\tno such queue", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueDepthMetric_MessagesWaitingForADelayedRedelivery_ShowInIt()
    {
        // Two sales in the sale queue's delay queue, as the host leaves them there when their retries ran out (a
        // long TTL here: they stay while the test looks).
        var delay = rabbit.NamePrefix + "sale-completed_delay";
        await using (var channel = await rabbit.Connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(delay, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-message-ttl"] = 600_000L, ["x-dead-letter-exchange"] = rabbit.NamePrefix + "sale-completed" });
            await channel.BasicPublishAsync(string.Empty, delay, Encoding.UTF8.GetBytes("{}"));
            await channel.BasicPublishAsync(string.Empty, delay, Encoding.UTF8.GetBytes("{}"));
        }

        try
        {
            var gauge = new System.Text.RegularExpressions.Regex($"sevenstamp_queue_messages\\{{[^}}]*queue=\"{delay}\"\\}} 2\n");
            Assert.True(
                await Eventually.HoldsAsync(async () => gauge.IsMatch(await _host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative))), TimeSpan.FromSeconds(30)),
                "/metrics did not show the delay queue's depth:\n" + string.Join("\n", (await _host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n').Where(l => l.Contains("sevenstamp_queue", StringComparison.Ordinal)))
                + "\nThe queue monitor's log:\n" + string.Join("\n", _logs.Lines.Where(l => l.Contains("QueueDepthMonitor", StringComparison.Ordinal)).TakeLast(20)));
        }
        finally
        {
            await using var channel = await rabbit.Connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(delay, ifUnused: false, ifEmpty: false);
        }
    }

    [Fact]
    public async Task Start_WalletProviderOff_HasNoUpdateQueueAndDeletesOneLeftFromWhenItWasOn()
    {
        // The host of this class runs with both wallet providers off: the loyalty events it publishes go to no wallet queue.
        Assert.True(await QueueExistsAsync(rabbit.NamePrefix + "sale-completed"));
        Assert.False(await QueueExistsAsync(rabbit.NamePrefix + "google-wallet-updates"));
        Assert.False(await QueueExistsAsync(rabbit.NamePrefix + "apple-pass-updates"));

        // A queue left from when Apple passes were on, still holding an update.
        var leftover = rabbit.NamePrefix + "apple-pass-updates";
        await using (var channel = await rabbit.Connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(leftover, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await channel.BasicPublishAsync(string.Empty, leftover, Encoding.UTF8.GetBytes("{}"));
        }

        Assert.True(await QueueExistsAsync(leftover));
        await using var restarted = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
            });

        Assert.True(await Eventually.HoldsAsync(async () => !await QueueExistsAsync(leftover), TimeSpan.FromSeconds(30)), "The host did not delete the update queue of the provider that is off.");
    }

    private async Task<bool> QueueExistsAsync(string queue)
    {
        try
        {
            await using var channel = await rabbit.Connection.CreateChannelAsync();
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return false;
        }
    }

    [Fact]
    public async Task ErrorQueueCommand_UnknownVerb_PrintsTheUsage()
    {
        var result = await RunAsync("explode");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: errors list", result.Output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exit = await new ErrorQueueCommand(Bus, output).RunAsync(args, CancellationToken.None);
        return (exit, output.ToString());
    }

    /// <summary>A SaleCompleted envelope whose message lacks every required field: it cannot be deserialized, so it faults.</summary>
    private async Task PublishPoisonAsync()
    {
        await using var channel = await rabbit.Connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var envelope = $$"""
            { "messageId": "{{Guid.NewGuid()}}", "messageType": ["urn:message:SevenStamp.Contracts:SaleCompleted"],
              "message": { "poison": true, "total": "not a number" } }
            """;
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync(string.Empty, rabbit.NamePrefix + "sale-completed", mandatory: true, properties, Encoding.UTF8.GetBytes(envelope));
    }
}
