using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Every <see cref="VoucherExpiryOptions.ExpirySweepInterval"/> (a minute by default), on every replica: moves issued vouchers past their expiry to expired, then sends the expiry
/// reminders and inactivity nudges that are due (<see cref="CustomerReminders"/>); each through the outbox, each once
/// (conditional updates), whichever replica comes first.
/// </summary>
internal sealed partial class VoucherExpiryService(IServiceScopeFactory scopes, TimeProvider timeProvider, IOptions<VoucherExpiryOptions> options, ILogger<VoucherExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.ExpirySweepInterval;
        using var timer = new PeriodicTimer(every, timeProvider);
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var engine = scope.ServiceProvider.GetRequiredService<LoyaltyEngine>();
                    var expired = await engine.ExpireDueVouchersAsync(stoppingToken);
                    if (expired > 0)
                    {
                        LogExpired(logger, expired);
                    }

                    var reminded = await engine.RemindExpiringVouchersAsync(stoppingToken);
                    var nudged = await engine.NudgeInactiveCustomersAsync(stoppingToken);
                    if (reminded + nudged > 0)
                    {
                        LogReminded(logger, reminded, nudged);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogFailed(logger, ex, every);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "{Count} voucher(s) expired")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "{Reminded} voucher expiry reminder(s) and {Nudged} inactivity nudge(s) sent to wallet passes")]
    private static partial void LogReminded(ILogger logger, int reminded, int nudged);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Expiring vouchers or sending reminders failed; trying again in {Interval}")]
    private static partial void LogFailed(ILogger logger, Exception exception, TimeSpan interval);
}
