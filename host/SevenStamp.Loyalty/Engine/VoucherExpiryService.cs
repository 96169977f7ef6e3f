using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Once a minute, moves issued vouchers past their expiry to expired (and tells the wallet through the outbox).</summary>
internal sealed partial class VoucherExpiryService(IServiceScopeFactory scopes, TimeProvider timeProvider, ILogger<VoucherExpiryService> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, timeProvider);
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var expired = await scope.ServiceProvider.GetRequiredService<LoyaltyEngine>().ExpireDueVouchersAsync(stoppingToken);
                    if (expired > 0)
                    {
                        LogExpired(logger, expired);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogFailed(logger, ex);
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

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Expiring vouchers failed; trying again in a minute")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
