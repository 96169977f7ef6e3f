using System.Net.Http.Headers;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Apple;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>
/// A minimal web host on a real loopback port with the loyalty store (SQLite or PostgreSQL) and the wallet
/// services and endpoints as the host registers them; cards are seeded straight into the database.
/// </summary>
internal sealed class AppleHost : IAsyncDisposable
{
    public const string LinkSecret = "apple-tests-link-secret-0123456789abcdef";

    private readonly WebApplication _app;
    private readonly TestDatabase _database;

    private AppleHost(WebApplication app, TestDatabase database, CapturingLoggerProvider logs)
    {
        _app = app;
        _database = database;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The in-memory bus with the Apple pass consumer (only for a host started with <c>bus: true</c>).</summary>
    public ITestHarness Bus => _app.Services.GetRequiredService<ITestHarness>();

    public CardLinks Links { get; } = new(LinkSecret);

    public static async Task<AppleHost> StartAsync(LoyaltyStoreProvider provider, IReadOnlyDictionary<string, string?> settings, bool bus = false)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);

        // As in the product host (SevenStamp.Connectors.Host.RequestLogging): hosting's request scope carries the raw
        // path, device ids included, onto every line written during a request, so that category is off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddLoyaltyStore(database.Options);
        builder.Services.AddWalletStore(database.Options);
        builder.Services.AddSingleton(new CardLinks(LinkSecret));
        builder.Services.AddWallet(builder.Configuration);
        builder.Services.AddRateLimits();
        if (bus)
        {
            builder.Services.AddMassTransitTestHarness(b =>
            {
                b.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(2), testInactivityTimeout: TimeSpan.FromMinutes(1));
                b.AddAppleWalletConsumers();
            });
        }

        var app = builder.Build();
        app.UseRateLimiter();
        app.MapWallet();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            await database.DisposeAsync();
            throw;
        }

        return new AppleHost(app, database, logs);
    }

    /// <summary>A card of merchant cafe-1 with <paramref name="stamps"/> stamps, last changed an hour ago.</summary>
    public async Task<Guid> SeedCardAsync(int stamps, string merchantId = "cafe-1", params (string Code, VoucherState State)[] vouchers)
    {
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var program = await db.Programs.SingleOrDefaultAsync(p => p.MerchantId == merchantId);
        if (program is null)
        {
            program = new LoyaltyProgram { Id = Guid.NewGuid(), MerchantId = merchantId, Name = "Coffee card", Reward = "A free coffee", StampGoal = 10, CreatedAt = at, UpdatedAt = at };
            db.Programs.Add(program);
        }

        var customer = new Customer { Id = Guid.NewGuid(), MerchantId = merchantId, CreatedAt = at };
        var card = new Card { Id = Guid.NewGuid(), ProgramId = program.Id, CustomerId = customer.Id, MerchantId = merchantId, TotalStamps = stamps, CreatedAt = at, UpdatedAt = at };
        db.Customers.Add(customer);
        db.Cards.Add(card);
        var cycle = 0;
        foreach (var (code, state) in vouchers)
        {
            cycle++;
            db.Vouchers.Add(new Voucher
            {
                Id = Guid.NewGuid(), MerchantId = merchantId, ProgramId = program.Id, CardId = card.Id, Cycle = cycle, Code = code, NormalizedCode = code.ToUpperInvariant(),
                Reward = program.Reward, State = state, IssuedAt = at, ClosedAt = state == VoucherState.Issued ? null : at,
            });
        }

        await db.SaveChangesAsync();
        return card.Id;
    }

    /// <summary>Adds stamps to a card now, as a sale would.</summary>
    public async Task StampAsync(Guid cardId, int stamps = 1)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Cards.Where(c => c.Id == cardId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.TotalStamps, c => c.TotalStamps + stamps).SetProperty(c => c.UpdatedAt, DateTimeOffset.UtcNow));
    }

    /// <summary>Runs <paramref name="work"/> on the wallet's store (pass tokens, registrations, update tags).</summary>
    public async Task<T> WithDbAsync<T>(Func<WalletDbContext, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<WalletDbContext>());
    }

    /// <summary>Runs the update a loyalty event triggers for <paramref name="cardId"/>.</summary>
    public async Task UpdatePassAsync(Guid cardId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ApplePassUpdater>().UpdateAsync(cardId, CancellationToken.None);
    }

    /// <summary>Publishes <paramref name="message"/> on the bus and waits until the consumer has handled it, failing on a fault.</summary>
    public async Task ConsumeAsync<T>(T message, Guid? id = null)
        where T : class
    {
        var messageId = id ?? NewId.NextGuid();
        await Bus.Bus.Publish(message, context => context.MessageId = messageId);
        await foreach (var consumed in Bus.GetConsumerHarness<ApplePassUpdatesConsumer>().Consumed.SelectAsync<T>(m => m.Context.MessageId == messageId))
        {
            Assert.Null(consumed.Exception);
            return;
        }

        throw new TimeoutException($"The Apple consumer did not take the {typeof(T).Name}.");
    }

    /// <summary>
    /// Publishes <paramref name="message"/> under <paramref name="messageId"/>, an id the Apple consumer already had
    /// (a copy, as the outbox may publish), and waits until that consumer has handled it.
    /// </summary>
    public async Task PublishCopyAsync<T>(T message, Guid messageId)
        where T : class
    {
        var deliveries = new Deliveries("apple", messageId, awaited: 1);
        using var observing = Bus.Bus.ConnectConsumeObserver(deliveries);
        await Bus.Bus.Publish(message, context => context.MessageId = messageId);
        await deliveries.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Downloads the card's pass through the customer's card link.</summary>
    public async Task<byte[]> DownloadAsync(Guid cardId)
    {
        using var response = await Client.GetAsync($"{Links.PathFor(cardId)}/apple.pkpass");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The authentication token of a freshly downloaded pass of the card.</summary>
    public async Task<string> TokenAsync(Guid cardId) => AppleTestKit.PassJson(await DownloadAsync(cardId)).GetProperty("authenticationToken").GetString()!;

    public Task<HttpResponseMessage> RegisterAsync(string device, Guid serial, string? token, string pushToken = "a1b2c3d4e5f6", string passType = AppleTestKit.PassTypeId) =>
        Client.SendAsync(Registration(device, serial, token, pushToken, passType));

    /// <summary>A device's registration of the pass, to send from any client.</summary>
    public static HttpRequestMessage Registration(string device, Guid serial, string? token, string pushToken = "a1b2c3d4e5f6", string passType = AppleTestKit.PassTypeId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/passkit/v1/devices/{device}/registrations/{passType}/{serial:N}")
        {
            Content = new StringContent($$"""{"pushToken":"{{pushToken}}"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        Authorize(request, token);
        return request;
    }

    public Task<HttpResponseMessage> UnregisterAsync(string device, Guid serial, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/passkit/v1/devices/{device}/registrations/{AppleTestKit.PassTypeId}/{serial:N}");
        Authorize(request, token);
        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> LatestPassAsync(Guid serial, string? token, DateTimeOffset? ifModifiedSince = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/passkit/v1/passes/{AppleTestKit.PassTypeId}/{serial:N}");
        Authorize(request, token);
        request.Headers.IfModifiedSince = ifModifiedSince;
        return Client.SendAsync(request);
    }

    private static void Authorize(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }
}
