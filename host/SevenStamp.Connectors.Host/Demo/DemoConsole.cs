using Microsoft.Extensions.Options;
using SevenStamp.Accounts;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>The demo's console: a banner, the cards every few seconds, and a summary on exit.</summary>
internal sealed class DemoConsole(
    IServiceScopeFactory scopes,
    ConnectorSupervisor supervisor,
    DemoStatistics statistics,
    IOptions<SevenStampOptions> options,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    TimeProvider timeProvider,
    SevenStamp.Wallet.CardLinks cardLinks) : BackgroundService
{
    private static readonly TimeSpan CardsEvery = TimeSpan.FromSeconds(10);

    private string? _site;

    /// <summary>Where the pages are: the first address the server listens on, once it has started.</summary>
    private async Task<string> SiteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        return (addresses?.FirstOrDefault() ?? "http://127.0.0.1:5080").TrimEnd('/');
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await PrintCardsAsync("final", cancellationToken);
        var salesIn = supervisor.Connectors.Sum(c => c.RecordsOut);
        Console.WriteLine($"demo: {salesIn} record(s) published by connectors, {statistics.Awards} sale(s) stamped, {statistics.Vouchers} voucher(s) issued; duplicates and anonymous sales got no stamp");
        if (configuration["SevenStamp:Demo:Database"] is { } database)
        {
            Console.WriteLine($"demo: the SQLite database is {database}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Console.WriteLine("SevenStamp Connectors demo: in-memory bus, SQLite, simulated POS. Ctrl+C to stop.");
        await using (var scope = scopes.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<MerchantAccounts>();
            var site = _site = await SiteAsync(stoppingToken);
            foreach (var (userName, password, role) in DemoMode.People)
            {
                var refused = await accounts.EnsurePersonAsync(DemoMode.MerchantId, role, userName, password);

                // The owner runs the café from the console; staff land on the counter scanner.
                var page = role == MerchantRole.Staff ? "/scanner" : "/console";
                Console.WriteLine(refused is null
                    ? $"  sign in as the café's {role.ToString().ToLowerInvariant()}: user \"{userName}\", password \"{password}\" at {site}{page}"
                    : $"  the café's {role.ToString().ToLowerInvariant()} could not be made: {refused}");
            }

            Console.WriteLine($"  customers join at {site}/join/{DemoMode.MerchantId} (the QR poster is in the console); each card's page is listed with the cards below");
            Console.WriteLine($"  operator: Authorization: Bearer {DemoMode.AdminKey}");
        }

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
        var overview = await scope.ServiceProvider.GetRequiredService<ICardOverview>().ReadAsync(20, cancellationToken);
        Console.WriteLine($"cards ({label}): {overview.Cards.Count} card(s), {overview.UnmatchedSales} sale(s) without a card");
        foreach (var card in overview.Cards)
        {
            var bar = new string('*', card.Progress) + new string('.', Math.Max(0, card.Goal - card.Progress));
            Console.WriteLine($"  card {card.CardId.ToString()[..8]}  {card.Customer,-24} [{bar}] {card.Progress}/{card.Goal}  vouchers: {card.Vouchers} ({card.Redeemed} redeemed)  {_site}{cardLinks.PathFor(card.CardId)}");
        }
    }
}
