using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.Loyalty.Tests;

/// <summary>The loyalty consumers on MassTransit's test harness over a real, empty database of their own.</summary>
public sealed class LoyaltyHarness : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly ServiceProvider _provider;

    private LoyaltyHarness(TestDatabase database)
    {
        _database = database;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLoyaltyStore(database.Options);
        services.AddMassTransitTestHarness(bus => bus.AddLoyaltyConsumers());
        _provider = services.BuildServiceProvider(true);
        Harness = _provider.GetRequiredService<ITestHarness>();
    }

    public ITestHarness Harness { get; }

    public static async Task<LoyaltyHarness> StartAsync(LoyaltyStoreProvider provider)
    {
        var harness = new LoyaltyHarness(await TestDatabase.CreateAsync(provider));
        await harness.StartAsync();
        return harness;
    }

    private async Task StartAsync()
    {
        await using (var scope = _provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Database.MigrateAsync();
        }

        await Harness.Start();
    }

    public async Task<T> QueryAsync<T>(Func<LoyaltyDbContext, Task<T>> query)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>());
    }

    /// <summary>Waits until the consumer has finished <paramref name="count"/> deliveries.</summary>
    public async Task WaitForConsumedAsync(int count)
    {
        var consumer = Harness.GetConsumerHarness<Consumers.AwardStampsConsumer>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var seen = 0;
        await foreach (var _ in consumer.Consumed.SelectAsync<SaleCompleted>(timeout.Token))
        {
            if (++seen >= count)
            {
                return;
            }
        }

        Assert.Fail($"Only {seen} of {count} sales were consumed within 120 s.");
    }

    public static SaleCompleted Sale(string saleId, string? customerId = "c-1", string merchantId = "m-1", string connectorId = "pos-1") => new()
    {
        MerchantId = merchantId,
        ConnectorId = connectorId,
        ExternalSaleId = saleId,
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero),
        Currency = "EUR",
        Total = 4.2m,
        Customer = customerId is null ? CustomerIdentifiers.None : new CustomerIdentifiers { PosCustomerId = customerId },
    };

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _database.DisposeAsync();
    }
}
