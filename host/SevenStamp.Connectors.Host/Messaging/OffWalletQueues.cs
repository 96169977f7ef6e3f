using RabbitMQ.Client.Exceptions;
using SevenStamp.Wallet;

namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>
/// A wallet provider that is off gets no consumer queue. One that was on before and is now off would leave its queue
/// bound to the loyalty events and filling up for ever, so at start the host deletes it, unless a consumer still reads
/// it (another replica with that provider on). Its error queue is left for the operator.
/// </summary>
internal sealed partial class OffWalletQueues(BusOptions bus, IConfiguration configuration, ILogger<OffWalletQueues> logger) : BackgroundService
{
    // In the background: start-up does not wait for it.
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        List<string> off = [];
        if (!WalletServiceCollectionExtensions.IsAppleOn(configuration))
        {
            off.Add(HostQueues.ApplePassUpdates);
        }

        if (!WalletServiceCollectionExtensions.IsGoogleOn(configuration))
        {
            off.Add(HostQueues.GoogleWalletUpdates);
        }

        if (off.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await RabbitMqEndpoint.Parse(bus.RabbitMqUri, bus.RabbitMqNodes).ConnectAsync("sevenstamp-wallet-queues", cancellationToken);
            foreach (var name in off)
            {
                var queue = (bus.NamePrefix ?? string.Empty) + name;
                try
                {
                    // A passive declare or a refused delete closes the channel, so each queue gets its own.
                    await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                    var found = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                    if (found.ConsumerCount > 0)
                    {
                        // Quorum queues refuse delete's if-unused flag, so the check is this one.
                        continue;
                    }

                    var dropped = await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken);
                    LogDeleted(logger, queue, dropped);
                }
                catch (OperationInterruptedException)
                {
                    // No such queue (the usual case), or a consumer still reads it.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
        {
            // The bus reports an unreachable broker itself, through readiness; this clean-up waits for the next start.
            LogUnreachable(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Wallet provider off: deleted its update queue {Queue} ({Dropped} message(s) for that provider dropped)")]
    private static partial void LogDeleted(ILogger logger, string queue, uint dropped);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Could not check for the update queue of a wallet provider that is off ({Reason}); trying again at the next start")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
