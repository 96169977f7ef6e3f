using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Testing;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// The loyalty engine over a real database of its own, with its consumers on MassTransit's test harness and
/// its outbox relay running. Tests drive it through the bus or call the engine directly.
/// </summary>
public sealed class LoyaltyHarness : IAsyncDisposable
{
    public const string MerchantId = "m-1";
    public const string ConnectorId = "pos-1";

    private readonly TestDatabase? _ownedDatabase;
    private readonly LoyaltyStoreOptions _store;
    private readonly ServiceProvider _provider;

    private LoyaltyHarness(LoyaltyStoreOptions store, TestDatabase? ownedDatabase, FakeTimeProvider time)
    {
        _ownedDatabase = ownedDatabase;
        _store = store;
        Time = time;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddLoyaltyStore(store);
        services.AddMassTransitTestHarness(bus =>
        {
            // Generous: a loaded machine must not end a test early; the tests wait on the database instead.
            bus.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(5), testInactivityTimeout: TimeSpan.FromMinutes(1));
            bus.AddLoyaltyConsumers();
        });
        services.AddSingleton<OutboxRelay>();
        _provider = services.BuildServiceProvider(true);
        Harness = _provider.GetRequiredService<ITestHarness>();
    }

    public ITestHarness Harness { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _provider;

    /// <summary>A program every test starts from: 10 stamps per voucher, one per visit, generated codes.</summary>
    public static ProgramDefinition DefaultProgram() => new()
    {
        MerchantId = MerchantId,
        Name = "Coffee card",
        Reward = "A free coffee",
        StampGoal = 10,
        CodePrefix = "CAFE-",
        CodeLength = 6,
    };

    public static async Task<LoyaltyHarness> StartAsync(LoyaltyStoreProvider provider, ProgramDefinition? program = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        return await StartAsync(database.Options, database, program ?? DefaultProgram());
    }

    /// <summary>Another harness (another consumer instance) on the database of <paramref name="other"/>.</summary>
    public static async Task<LoyaltyHarness> StartBesideAsync(LoyaltyHarness other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return await StartAsync(other._store, ownedDatabase: null, program: null);
    }

    private static async Task<LoyaltyHarness> StartAsync(LoyaltyStoreOptions store, TestDatabase? ownedDatabase, ProgramDefinition? program)
    {
        var harness = new LoyaltyHarness(store, ownedDatabase, new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)));
        foreach (var migrator in harness._provider.GetServices<IHostedService>().OfType<LoyaltyStoreMigrator>())
        {
            await migrator.StartAsync(CancellationToken.None);
        }

        if (program is not null)
        {
            await harness.UseAsync<ProgramStore, LoyaltyProgram>(store => store.UpsertAsync(program, CancellationToken.None));
        }

        await harness.Harness.Start();
        await harness._provider.GetRequiredService<OutboxRelay>().StartAsync(CancellationToken.None);
        return harness;
    }

    public Task<SaleOutcome> SaleAsync(SaleCompleted sale) => UseAsync<LoyaltyEngine, SaleOutcome>(engine => engine.ApplySaleAsync(sale, CancellationToken.None));

    public Task<bool> RefundAsync(SaleRefunded refund) => UseAsync<LoyaltyEngine, bool>(engine => engine.ApplyRefundAsync(refund, CancellationToken.None));

    public async Task<T> UseAsync<TService, T>(Func<TService, Task<T>> use)
        where TService : notnull
    {
        await using var scope = _provider.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public Task<T> QueryAsync<T>(Func<LoyaltyDbContext, Task<T>> query) => UseAsync(query);

    /// <summary>
    /// An engine on a context of its own with <paramref name="interceptor"/> added to the store's settings, to stop a
    /// transaction at a chosen statement while another runs. Dispose the context when done.
    /// </summary>
    public (LoyaltyEngine Engine, LoyaltyDbContext Context) EngineWith(Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor interceptor)
    {
        LoyaltyDbContext db = _store.Provider == LoyaltyStoreProvider.Sqlite
            ? new SqliteLoyaltyDbContext(new DbContextOptionsBuilder<SqliteLoyaltyDbContext>(_provider.GetRequiredService<DbContextOptions<SqliteLoyaltyDbContext>>()).AddInterceptors(interceptor).Options)
            : new PostgresLoyaltyDbContext(new DbContextOptionsBuilder<PostgresLoyaltyDbContext>(_provider.GetRequiredService<DbContextOptions<PostgresLoyaltyDbContext>>()).AddInterceptors(interceptor).Options);
        var engine = new LoyaltyEngine(db, Time, _provider.GetRequiredService<OutboxSignal>(), _provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LoyaltyEngine>>());
        return (engine, db);
    }

    /// <summary>The events of type <typeparamref name="T"/> the engine wrote to its outbox, oldest first.</summary>
    public Task<List<T>> OutboxAsync<T>() => QueryAsync(async db =>
        (await db.Outbox.Where(m => m.MessageType == typeof(T).Name).OrderBy(m => m.Id).Select(m => m.Payload).ToListAsync())
            .Select(p => JsonSerializer.Deserialize<T>(p, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
            .ToList());

    /// <summary>
    /// Waits until the engine has processed <paramref name="count"/> distinct events of <typeparamref name="T"/>
    /// (sales or refunds) in the shared database, whichever consumer instance took them.
    /// </summary>
    public async Task WaitForConsumedAsync<T>(int count)
        where T : class
    {
        var kind = typeof(T) == typeof(SaleRefunded) ? "refund" : "sale";
        var processed = 0;
        if (await Eventually.HoldsAsync(async () => (processed = await QueryAsync(db => db.ProcessedEvents.CountAsync(p => p.Kind == kind))) >= count, TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100)))
        {
            return;
        }

        Assert.Fail($"Only {processed} of {count} {typeof(T).Name} were processed within 3 minutes.");
    }

    public static SaleCompleted Sale(string saleId, string? customerId = "c-1", decimal total = 4.20m, string merchantId = MerchantId, string connectorId = ConnectorId, params string[] codes) => new()
    {
        MerchantId = merchantId,
        ConnectorId = connectorId,
        ExternalSaleId = saleId,
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero),
        Currency = "EUR",
        Total = total,
        Customer = customerId is null ? CustomerIdentifiers.None : new CustomerIdentifiers { PosCustomerId = customerId },
        Discounts = [.. codes.Select(c => new AppliedDiscount { Code = c, Name = "Loyalty reward", Amount = 3m })],
    };

    public static SaleRefunded Refund(string refundId, string saleId, decimal amount, bool full) => new()
    {
        MerchantId = MerchantId,
        ConnectorId = ConnectorId,
        ExternalRefundId = refundId,
        ExternalSaleId = saleId,
        OccurredAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        Currency = "EUR",
        Amount = amount,
        IsFullRefund = full,
    };

    public async ValueTask DisposeAsync()
    {
        await _provider.GetRequiredService<OutboxRelay>().StopAsync(CancellationToken.None);
        await Harness.Stop();
        await _provider.DisposeAsync();
        if (_ownedDatabase is not null)
        {
            await _ownedDatabase.DisposeAsync();
        }
    }
}
