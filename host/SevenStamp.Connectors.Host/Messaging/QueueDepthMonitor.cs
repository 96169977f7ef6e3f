using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>The consumer queues the bus declared (names as on the broker, prefix included).</summary>
internal sealed class ConsumerQueues
{
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

    public void Add(string queueName) => _names.TryAdd(queueName, 0);

    public IReadOnlyList<string> Names => [.. _names.Keys.Order(StringComparer.Ordinal)];
}

/// <summary>
/// Consumer lag as metrics: it asks the broker for the depth and consumer count of each consumer queue, its
/// <c>_error</c> queue and its <c>_delay</c> queue (messages waiting for a delayed redelivery), every
/// <c>SevenStamp:Bus:QueueMetricsInterval</c> (15 s by default); the gauges <c>sevenstamp.queue.messages</c> and <c>sevenstamp.queue.consumers</c> report the latest reading (the
/// loyalty outbox's own backlog is <c>sevenstamp.loyalty.outbox.backlog</c>). A broker that cannot be asked leaves the
/// last reading and is tried again next round.
/// </summary>
internal sealed partial class QueueDepthMonitor : BackgroundService
{
    private readonly ConsumerQueues _queues;
    private readonly BusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueDepthMonitor> _logger;
    private readonly ConcurrentDictionary<string, (uint Messages, uint Consumers)> _depths = new(StringComparer.Ordinal);

    public QueueDepthMonitor(ConsumerQueues queues, IOptions<SevenStampOptions> options, TimeProvider time, IMeterFactory meters, ILogger<QueueDepthMonitor> logger)
    {
        // From the host's meter factory: the gauges live and die with this host.
        var meter = meters.Create(HostMetrics.MeterName);
        _queues = queues;
        _options = options.Value.Bus;
        _time = time;
        _logger = logger;
        meter.CreateObservableGauge("sevenstamp.queue.messages", () => _depths.Select(d => new Measurement<long>(d.Value.Messages, new KeyValuePair<string, object?>("queue", d.Key))), description: "Messages ready in each consumer queue, its error queue and its delay queue (consumer lag)");
        meter.CreateObservableGauge("sevenstamp.queue.consumers", () => _depths.Select(d => new Measurement<long>(d.Value.Consumers, new KeyValuePair<string, object?>("queue", d.Key))), description: "Consumers attached to each queue, over every replica");
    }

    /// <summary>The latest reading of one queue, for tests and status pages.</summary>
    public (uint Messages, uint Consumers)? Depth(string queueName) => _depths.TryGetValue(queueName, out var depth) ? depth : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.QueueMetricsInterval, _time);
        IConnection? connection = null;
        try
        {
            do
            {
                try
                {
                    connection ??= await RabbitMqEndpoint.Parse(_options.RabbitMqUri, _options.RabbitMqNodes).ConnectAsync("sevenstamp-queue-monitor", stoppingToken);
                    LogRead(_logger, await ReadQueuesAsync(connection, stoppingToken));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
                {
                    LogBrokerUnavailable(_logger, ex.GetType().Name + ": " + ex.Message);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Reads every queue's depth; returns how many queues were read.</summary>
    private async Task<int> ReadQueuesAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var names = _queues.Names.SelectMany(q => new[] { q, q + HostQueues.ErrorSuffix, q + HostQueues.DelaySuffix }).ToList();
        foreach (var name in names)
        {
            // A passive declare of a queue that does not exist (an error or delay queue nothing failed into yet)
            // closes its channel, so each queue is asked on a channel of its own.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                var ok = await channel.QueueDeclarePassiveAsync(name, cancellationToken);
                _depths[name] = (ok.MessageCount, ok.ConsumerCount);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                _depths[name] = (0, 0);
            }
        }

        return names.Count;
    }

    // Metrics must never take the host down: any failure waits for the next round.
    [LoggerMessage(EventId = 1501, Level = LogLevel.Debug, Message = "Queue depths not read this round: the broker did not answer ({ExceptionType})")]
    private static partial void LogBrokerUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Debug, Message = "Queue depths read for {Count} queues")]
    private static partial void LogRead(ILogger logger, int count);
}
