using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Testing;

/// <summary>
/// The real host, started in-process on a loopback port with Kestrel, the plugins from disk, a SQLite file and
/// a connector file of the test's own. Shared by the host tests and the integration tests.
/// </summary>
public sealed class RunningHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _directory;
    private readonly TestDatabase _database;
    private readonly bool _ownsDatabase;

    private RunningHost(WebApplication app, DirectoryInfo directory, TestDatabase database, bool ownsDatabase, Uri baseAddress)
    {
        _app = app;
        _directory = directory;
        _database = database;
        _ownsDatabase = ownsDatabase;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a host. With <paramref name="sharedDatabase"/> it uses that database (e.g. two replicas, or a restart on
    /// the same data) and leaves it to the caller to drop; otherwise it makes a fresh one of <paramref name="provider"/>.
    /// <paramref name="services"/> registers services before the host's own (a hook the host leaves open, such as the
    /// e-mail sender, is then the test's).
    /// </summary>
    public static async Task<RunningHost> StartAsync(string connectorsJson, IReadOnlyDictionary<string, string?> settings, LoyaltyStoreProvider provider = LoyaltyStoreProvider.Sqlite, CapturingLoggerProvider? logs = null, TestDatabase? sharedDatabase = null, Action<IServiceCollection>? services = null)
    {
        var directory = Directory.CreateTempSubdirectory("sevenstamp-host-");
        var database = sharedDatabase ?? await TestDatabase.CreateAsync(provider);
        var connectorsFile = Path.Combine(directory.FullName, "connectors.json");
        await File.WriteAllTextAsync(connectorsFile, connectorsJson);
        var configuration = new Dictionary<string, string?>
        {
            ["SevenStamp:ConnectorsFile"] = connectorsFile,
            ["SevenStamp:PluginRoot"] = Path.Combine(AppContext.BaseDirectory, "plugins"),
            ["SevenStamp:Database:Provider"] = database.Provider.ToString(),
            ["SevenStamp:Database:ConnectionString"] = database.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
            ["SevenStamp:Programs:0:MerchantId"] = "cafe-1",
            ["SevenStamp:Programs:0:Name"] = "Coffee card",
            ["SevenStamp:Programs:0:Reward"] = "A free coffee",
            ["SevenStamp:Programs:0:StampGoal"] = "10",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        var app = HostApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            services?.Invoke(builder.Services);
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
                builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
            }
        });
        await app.StartAsync();
        return new RunningHost(app, directory, database, sharedDatabase is null, new Uri(app.Urls.First()));
    }

    public Task<HttpResponseMessage> PostWebhookAsync(string connectorId, string body, string? secret, string header = "X-SevenStamp-Signature")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{connectorId}") { Content = content };
        if (secret is not null)
        {
            request.Headers.Add(header, WebhookSignatures.ComputeHmacSha256(Encoding.UTF8.GetBytes(body), Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex));
        }

        return Client.SendAsync(request);
    }

    public async Task<T> QueryAsync<T>(Func<LoyaltyDbContext, Task<T>> query)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>());
    }

    /// <summary>Runs <paramref name="query"/> on the connector runtime's store (instances, file controls, offsets, seen events).</summary>
    public async Task<T> QueryConnectorStoreAsync<T>(Func<ConnectorDbContext, Task<T>> query)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ConnectorDbContext>());
    }

    /// <summary>The stamps on the card of the customer a POS knows as <paramref name="posCustomerId"/> through <paramref name="connectorId"/>; null without a card.</summary>
    public Task<int?> StampsOfAsync(string connectorId, string posCustomerId) => QueryAsync(db =>
        db.Cards
            .Where(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Kind == "pos" && l.Value == connectorId + ":" + posCustomerId))
            .Select(c => (int?)c.TotalStamps)
            .SingleOrDefaultAsync());

    /// <summary>How many times the host's consumers received the sale (1 = once; more = redeliveries that changed nothing).</summary>
    public Task<int> DeliveriesOfAsync(string connectorId, string saleId) => QueryAsync(db =>
        db.ProcessedEvents.Where(p => p.ConnectorId == connectorId && p.Kind == "sale" && p.ExternalId == saleId).Select(p => p.Deliveries).SingleOrDefaultAsync());

    public static string SaleJson(string eventId, string saleId, string customerId, decimal total = 4.20m) => $$"""
        { "eventId": "{{eventId}}", "type": "sale.completed",
          "sale": { "id": "{{saleId}}", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "id": "{{customerId}}" },
                    "currency": "EUR", "total": {{total.ToString(System.Globalization.CultureInfo.InvariantCulture)}},
                    "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 1, "unitPrice": {{total.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } ] } }
        """;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDatabase)
        {
            await _database.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }
}
