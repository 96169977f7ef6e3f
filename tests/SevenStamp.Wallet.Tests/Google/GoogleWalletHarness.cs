using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;
using SevenStamp.Wallet.Data;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>
/// The wallet services over a real database of their own, pointed at a fake Google (token endpoint and
/// walletobjects API) with a service account generated for the test; served by Kestrel on a loopback port, with
/// the wallet consumers on MassTransit's test harness.
/// </summary>
public sealed class GoogleWalletHarness : IAsyncDisposable
{
    public const string IssuerId = "3388000000012345678";
    public const string MerchantId = "cafe-1";
    public const string LinkSecret = "0123456789abcdef0123456789abcdef-google-tests";
    public const string Origin = "https://cafe.example";

    /// <summary>The callback URL the classes carry (the harness listens on another port; the fake posts to its own).</summary>
    public const string CallbackUrl = "http://127.0.0.1/wallet/google/callbacks";

    private readonly TestDatabase _database;

    private GoogleWalletHarness(TestDatabase database, FakeGoogleWalletServer google, TestServiceAccount account, WebApplication app, Guid programId, CapturingLoggerProvider logs)
    {
        _database = database;
        Google = google;
        Account = account;
        App = app;
        ProgramId = programId;
        Logs = logs;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
    }

    public FakeGoogleWalletServer Google { get; }

    public TestServiceAccount Account { get; }

    public WebApplication App { get; }

    public Guid ProgramId { get; }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Client { get; }

    public ITestHarness Bus => App.Services.GetRequiredService<ITestHarness>();

    public static async Task<GoogleWalletHarness> StartAsync(LoyaltyStoreProvider provider, bool googleOn = true, Action<Dictionary<string, string?>>? configure = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var google = await FakeGoogleWalletServer.StartAsync();
        var account = TestServiceAccount.Create(google.TokenUrl);
        google.AccountKey = account.Key;

        var settings = new Dictionary<string, string?>();
        if (googleOn)
        {
            const string s = GoogleWalletOptions.SectionName;
            settings[$"{s}:IssuerId"] = IssuerId;
            settings[$"{s}:ServiceAccountKeyFile"] = account.KeyFile;
            settings[$"{s}:ApiBaseUrl"] = google.ApiBaseUrl.ToString();
            settings[$"{s}:IssuerName"] = "Café Test";
            settings[$"{s}:LogoUrl"] = "https://cafe.example/logo.png";
            settings[$"{s}:Origins:0"] = Origin;
            settings[$"{s}:Merchants:{MerchantId}:BackgroundColor"] = "#6f4e37";
            settings[$"{s}:RetryDelay"] = "00:00:00.050";
            settings[$"{s}:MaxRetries"] = "3";
            settings[$"{s}:CallbackUrl"] = CallbackUrl;
            settings[$"{s}:CallbackKeysUrl"] = google.CallbackKeysUrl.ToString();
        }

        configure?.Invoke(settings);
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddLoyaltyStore(database.Options);
        builder.Services.AddWalletStore(database.Options);
        builder.Services.AddSingleton(new CardLinks(LinkSecret));
        builder.Services.AddWallet(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus =>
        {
            bus.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(5), testInactivityTimeout: TimeSpan.FromMinutes(1));
            bus.AddWalletConsumers(builder.Configuration);
        });
        var app = builder.Build();
        app.MapWallet();
        await app.StartAsync();

        var programId = Guid.NewGuid();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            await db.Database.MigrateAsync();
            db.Programs.Add(new LoyaltyProgram { Id = programId, MerchantId = MerchantId, Name = "Coffee card", Reward = "A free coffee", StampGoal = 5, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        return new GoogleWalletHarness(database, google, account, app, programId, logs);
    }

    /// <summary>Adds a customer and a card with <paramref name="totalStamps"/> stamps and <paramref name="cycles"/> goals reached.</summary>
    public async Task<Guid> AddCardAsync(int totalStamps = 0, int cycles = 0)
    {
        var customerId = Guid.NewGuid();
        var cardId = Guid.NewGuid();
        await WithDbAsync(async db =>
        {
            db.Customers.Add(new Customer { Id = customerId, MerchantId = MerchantId, CreatedAt = DateTimeOffset.UtcNow });
            db.Cards.Add(new Card { Id = cardId, ProgramId = ProgramId, CustomerId = customerId, MerchantId = MerchantId, TotalStamps = totalStamps, CyclesCompleted = cycles, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        });
        return cardId;
    }

    public Task SetStampsAsync(Guid cardId, int totalStamps, int cycles) => WithDbAsync(async db =>
    {
        var card = await db.Cards.SingleAsync(c => c.Id == cardId);
        card.TotalStamps = totalStamps;
        card.CyclesCompleted = cycles;
        card.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    });

    public async Task<Guid> AddVoucherAsync(Guid cardId, int cycle, string code, VoucherState state = VoucherState.Issued, DateTimeOffset? expiresAt = null)
    {
        var id = Guid.NewGuid();
        await WithDbAsync(async db =>
        {
            db.Vouchers.Add(new Voucher
            {
                Id = id,
                MerchantId = MerchantId,
                ProgramId = ProgramId,
                CardId = cardId,
                Cycle = cycle,
                Code = code,
                NormalizedCode = code.ToUpperInvariant(),
                Reward = "A free coffee",
                State = state,
                IssuedAt = DateTimeOffset.UtcNow,
                ExpiresAt = expiresAt,
                ClosedAt = state == VoucherState.Issued ? null : DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        });
        return id;
    }

    public Task SetVoucherStateAsync(Guid voucherId, VoucherState state) => WithDbAsync(async db =>
    {
        var voucher = await db.Vouchers.SingleAsync(v => v.Id == voucherId);
        voucher.State = state;
        voucher.ClosedAt = state == VoucherState.Issued ? null : DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    });

    public Task SetReminderSentAsync(Guid voucherId, DateTimeOffset at) => WithDbAsync(async db =>
    {
        var voucher = await db.Vouchers.SingleAsync(v => v.Id == voucherId);
        voucher.ReminderSentAt = at;
        await db.SaveChangesAsync();
    });

    public async Task<GoogleSyncOutcome> SyncAsync(Guid cardId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GoogleWalletSync>().SyncAsync(cardId, CancellationToken.None);
    }

    public string CardPath(Guid cardId) => new CardLinks(LinkSecret).PathFor(cardId);

    public static string ObjectId(Guid cardId) => $"{IssuerId}.{cardId:N}";

    public string ClassId => $"{IssuerId}.{ProgramId:N}";

    /// <summary>Reads the wallet's own tables.</summary>
    public async Task<T> WithWalletAsync<T>(Func<WalletDbContext, Task<T>> read)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<WalletDbContext>());
    }

    private async Task WithDbAsync(Func<LoyaltyDbContext, Task> action)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Google.DisposeAsync();
        Account.Dispose();
        await _database.DisposeAsync();
    }
}
