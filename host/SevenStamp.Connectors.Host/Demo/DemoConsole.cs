using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>The demo's console: a banner, the cards every few seconds, and a summary on exit.</summary>
internal sealed class DemoConsole(
    IServiceScopeFactory scopes,
    ConnectorSupervisor supervisor,
    DemoStatistics statistics,
    IOptions<SevenStampOptions> options,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan CardsEvery = TimeSpan.FromSeconds(10);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await PrintCardsAsync("final", cancellationToken);
        var salesIn = supervisor.Connectors.Sum(c => c.RecordsOut);
        Console.WriteLine($"demo: {salesIn} record(s) published by connectors, {statistics.Awards} sale(s) stamped; the duplicates and anonymous sales among them got no stamp");
        if (configuration["SevenStamp:Demo:Database"] is { } database)
        {
            Console.WriteLine($"demo: the SQLite database is {database}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Console.WriteLine("SevenStamp Connectors demo: in-memory bus, SQLite, simulated POS. Ctrl+C to stop.");
        foreach (var connector in supervisor.Connectors)
        {
            Console.WriteLine($"  connector {connector.Id} ({connector.Config.PluginId}): {connector.State}{(connector.FailureReason is null ? string.Empty : " - " + connector.FailureReason)}");
        }

        var stopAfter = options.Value.Demo.StopAfter;
        var started = timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider);
        var lastCards = started;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (stopAfter is { } limit && timeProvider.GetElapsedTime(started) >= limit)
                {
                    lifetime.StopApplication();
                    return;
                }

                if (timeProvider.GetElapsedTime(lastCards) >= CardsEvery)
                {
                    lastCards = timeProvider.GetTimestamp();
                    await PrintCardsAsync("now", stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task PrintCardsAsync(string label, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var cards = await db.Cards.AsNoTracking().OrderBy(c => c.CustomerKey).Take(20).ToListAsync(cancellationToken);
        var awards = await db.StampAwards.CountAsync(cancellationToken);
        Console.WriteLine($"cards ({label}): {cards.Count} card(s), {awards} ledger row(s)");
        foreach (var card in cards)
        {
            Console.WriteLine($"  card {card.Id.ToString()[..8]}  {card.CustomerKey,-32} {card.Stamps,3} stamp(s)  {new string('*', Math.Min(card.Stamps, 40))}");
        }
    }
}
