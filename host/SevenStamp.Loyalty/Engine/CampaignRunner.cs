using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Wakes the campaign runner when a campaign is created to start now, or its pool gets codes.</summary>
public sealed class CampaignSignal : WakeSignal;

/// <summary>
/// Runs campaigns on every replica: every few seconds (and at once when woken) it claims a campaign that is due with
/// one conditional update of the campaign's row (a lease: <see cref="Campaign.LockedBy"/> until
/// <see cref="Campaign.LockedUntil"/>, renewed after each batch), issues its vouchers and completes it. A replica that
/// stops mid-way leaves its lease to run out; another then claims the campaign and continues where the vouchers say it
/// is. Time comes from the injected <see cref="TimeProvider"/>, so a test moves the clock past a campaign's start.
/// </summary>
public sealed partial class CampaignRunner(IServiceScopeFactory scopes, CampaignSignal signal, CampaignOptions options, TimeProvider timeProvider, ILogger<CampaignRunner> logger) : BackgroundService
{
    /// <summary>This runner's name in <see cref="Campaign.LockedBy"/>.</summary>
    public string RunnerId { get; } = CampaignIssuer.RunnerId();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogFailed(logger, ex);
            }

            try
            {
                await signal.WaitAsync(options.PollEvery, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims and runs every campaign that is due now, one after the other; returns how many it completed.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var completed = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var issuer = Issuer(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>());
            if (await issuer.ClaimDueAsync(cancellationToken) is not { } campaignId)
            {
                return completed;
            }

            if (await issuer.RunAsync(campaignId, cancellationToken) == CampaignRunEnd.Completed)
            {
                completed++;
            }
        }
    }

    /// <summary>An issuer of this runner over <paramref name="db"/> (a test gives a context that fails on purpose).</summary>
    internal CampaignIssuer Issuer(IServiceProvider services, LoyaltyDbContext db) => new(
        db,
        timeProvider,
        services.GetRequiredService<OutboxSignal>(),
        services.GetRequiredService<WriteTurns>(),
        options,
        RunnerId,
        logger);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Error, Message = "Running campaigns failed; the campaign is taken up again at the next look")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
