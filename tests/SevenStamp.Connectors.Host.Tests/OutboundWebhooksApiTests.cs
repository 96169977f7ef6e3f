using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SevenStamp.Testing;
using SevenStamp.Testing.Fakes.Webhooks;
using SevenStamp.Webhooks;
using SevenStamp.Webhooks.Delivery;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>A host whose operator allows loopback endpoints and plain http (the tests' receiver), with retries of a second.</summary>
public sealed class WebhooksHostFixture : IAsyncLifetime
{
    public const string AdminKey = "webhooks-api-admin-key-0123456789abcdef";
    public const string PosSecret = "webhooks-api-pos-secret-0123456789";

    public RunningHost Host { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "webhooks-api-pos-secret-0123456789" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:OutboundWebhooks:AllowPrivateAddresses"] = "true",
                ["SevenStamp:OutboundWebhooks:AllowHttp"] = "true",
                ["SevenStamp:OutboundWebhooks:SettleTime"] = "00:00:00",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:0"] = "00:00:01",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:1"] = "00:00:01",
            });
        Host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

public sealed class OutboundWebhooksApiTests(WebhooksHostFixture fixture) : IClassFixture<WebhooksHostFixture>
{
    private RunningHost Host => fixture.Host;

    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task Deliver_Receiver410_DisablesTheSubscriptionWithTheReason()
    {
        // Arrange
        var path = Path();
        Receiver.Answer(path, HttpStatusCode.Gone);
        var (id, _) = await SubscribeAsync(Receiver.UrlOf(path));

        // Act
        await SaleAsync();

        // Assert
        await Eventually.AssertAsync(async () => !(await SubscriptionAsync(id)).GetProperty("enabled").GetBoolean(), TimeSpan.FromSeconds(30), "a 410 disables the subscription");
        Assert.Contains("410", (await SubscriptionAsync(id)).GetProperty("disabledReason").GetString(), StringComparison.Ordinal);
        Assert.Single(Receiver.To(path));
    }

    [Fact]
    public async Task Deliver_Receiver500_RetriedWithTheSameIdThenGivenUpAndDisabled()
    {
        // Arrange
        var path = Path();
        Receiver.Answer(path, HttpStatusCode.InternalServerError);
        var (id, _) = await SubscribeAsync(Receiver.UrlOf(path));

        // Act
        await SaleAsync();

        // Assert: the first attempt and the two retries of the schedule, one id, then disabled with the reason and the log.
        await Eventually.AssertAsync(async () => !(await SubscriptionAsync(id)).GetProperty("enabled").GetBoolean(), TimeSpan.FromSeconds(30), "retries used up disable the subscription");
        var received = Receiver.To(path);
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.MessageId).Distinct());
        Assert.Contains("3 attempts", (await SubscriptionAsync(id)).GetProperty("disabledReason").GetString(), StringComparison.Ordinal);
        var log = await DeliveriesAsync(id);
        Assert.Equal("failed", log[0].GetProperty("status").GetString());
        Assert.Equal(500, log[0].GetProperty("lastStatusCode").GetInt32());
        Assert.Equal(3, log[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task RotateSecret_DuringTheOverlap_TheOldAndTheNewSecretBothVerify()
    {
        // Arrange
        var path = Path();
        var (id, oldSecret) = await SubscribeAsync(Receiver.UrlOf(path));
        using var rotated = await Host.Client.PostAsync($"/api/merchants/cafe-1/webhooks/{id}/secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;

        // Act
        await SaleAsync();

        // Assert
        await Eventually.AssertAsync(() => Task.FromResult(Receiver.To(path).Count > 0), TimeSpan.FromSeconds(30), "the event arrives");
        var request = Receiver.To(path)[0];
        var signatures = request.Headers["webhook-signature"].Split(' ');
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(2, signatures.Length);
        // The header as sent verifies with the new secret (its signature comes first); each signature alone verifies
        // with its secret (the package's verifier looks at the first signature of a header only).
        Assert.Null(WebhookChecks.SignatureProblem(request, newSecret));
        Assert.Null(WebhookChecks.SignatureProblem(WithSignature(request, signatures[0]), newSecret));
        Assert.Null(WebhookChecks.SignatureProblem(WithSignature(request, signatures[1]), oldSecret));
        Assert.NotNull(WebhookChecks.SignatureProblem(request, WebhookSecrets.New()));
    }

    [Fact]
    public async Task RedeliverAndReplay_DeliveredEvents_SentAgainWithTheirSameIds()
    {
        // Arrange: two events delivered.
        var path = Path();
        var (id, secret) = await SubscribeAsync(Receiver.UrlOf(path));
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await SaleAsync();
        await SaleAsync();
        await Eventually.AssertAsync(() => Task.FromResult(Receiver.To(path).Count >= 2), TimeSpan.FromSeconds(30), "the events arrive");
        var first = Receiver.To(path).Select(r => r.MessageId).ToList();
        var log = await DeliveriesAsync(id);

        // Act
        using var redeliver = await Host.Client.PostAsync($"/api/merchants/cafe-1/webhooks/{id}/deliveries/{log[0].GetProperty("id").GetInt64()}/redeliver", null);
        await Eventually.AssertAsync(() => Task.FromResult(Receiver.To(path).Count >= first.Count + 1), TimeSpan.FromSeconds(30), "the redelivery arrives");
        using var replay = await Host.Client.PostAsJsonAsync($"/api/merchants/cafe-1/webhooks/{id}/replay", new { since });
        await Eventually.AssertAsync(() => Task.FromResult(Receiver.To(path).Count >= (first.Count * 2) + 1), TimeSpan.FromSeconds(30), "the replay arrives");

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var all = Receiver.To(path);
        Assert.Equal(log[0].GetProperty("messageId").GetString(), all[first.Count].MessageId);
        Assert.Equal(first.Order(), all.Skip(first.Count + 1).Select(r => r.MessageId).Order());
        Assert.All(all, r => Assert.Null(WebhookChecks.SignatureProblem(r, secret)));
    }

    [Fact]
    public async Task Create_PrivateAddressesOnAStrictHost_RefusedNamingTheUrl()
    {
        // Arrange: loopback, the cloud metadata service, private ranges, unique-local IPv6 and a name resolving to loopback.
        await using var strict = await StrictHostAsync();
        string[] urls =
        [
            "https://127.0.0.1/hooks", "https://169.254.169.254/latest/meta-data", "https://[::1]/hooks", "https://10.1.2.3/hooks",
            "https://192.168.0.10/hooks", "https://[fd00:ec2::254]/hooks", "https://localhost/hooks",
        ];

        foreach (var url in urls)
        {
            // Act
            using var response = await strict.Client.PostAsJsonAsync("/api/merchants/cafe-1/webhooks", new { url });

            // Assert
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} was not refused");
            var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.Contains("private", errors.GetProperty("url")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_PlainHttpOrUnknownEventOnAStrictHost_RefusedNamingEachField()
    {
        // Arrange
        await using var strict = await StrictHostAsync();

        // Act
        using var response = await strict.Client.PostAsJsonAsync("/api/merchants/cafe-1/webhooks", new { url = "http://crm.example.com/hooks", events = new[] { "stamp_added", "stamp_eaten" } });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Contains("https", errors.GetProperty("url")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("'stamp_eaten'", errors.GetProperty("events")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_LoopbackEndpointWithPrivateAddressesRefused_RefusedAtConnectionTime()
    {
        // Arrange: the address check of the connection itself, as a name that resolved to a public address when the
        // subscription was made and to loopback now would meet it.
        var path = Path();
        var strict = new StaticOptionsMonitor(new WebhooksOptions { AllowPrivateAddresses = false });
        using var handler = new SocketsHttpHandler { ConnectCallback = WebhookSender.Connect(strict), UseProxy = false };
        var sender = new WebhookSender(new OneClientFactory(new HttpClient(handler)), TimeProvider.System);

        // Act
        var result = await sender.SendAsync(new Uri(Receiver.UrlOf(path)), "msg_test", "{}", [WebhookSecrets.New()], CancellationToken.None);

        // Assert
        Assert.Null(result.StatusCode);
        Assert.Contains("may not reach", result.Error, StringComparison.Ordinal);
        Assert.Empty(Receiver.To(path));
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2606:4700:4700::1111", true)]
    public void IsPublic_Address_TellsPublicFromPrivate(string address, bool expected)
    {
        // Act
        var actual = WebhookAddresses.IsPublic(IPAddress.Parse(address));

        // Assert
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Readme_EveryEventExample_IsValidAgainstItsPublishedSchema()
    {
        // Arrange: the README's outbound webhooks section, up to the next section.
        var readme = File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, "README.md"));
        var start = readme.IndexOf("## For merchants' own systems: outbound webhooks", StringComparison.Ordinal);
        var section = readme[start..readme.IndexOf("\n## ", start + 10, StringComparison.Ordinal)];

        // Act
        var examples = System.Text.RegularExpressions.Regex.Matches(section, "```json\n(?<json>.*?)\n```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups["json"].Value)
            .ToList();

        // Assert: one example per event, each valid.
        Assert.Equal(WebhookEvents.Names.Order(StringComparer.Ordinal), examples.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("event").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(examples, e => Assert.Null(WebhookChecks.SchemaProblem(e)));
    }

    private static WebhookReceiver.Received WithSignature(WebhookReceiver.Received request, string signature) =>
        request with { Headers = new Dictionary<string, string>(request.Headers, StringComparer.Ordinal) { ["webhook-signature"] = signature } };

    private static string Path() => "t-" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<RunningHost> StrictHostAsync()
    {
        var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory", ["SevenStamp:Api:AdminKey"] = WebhooksHostFixture.AdminKey });
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", WebhooksHostFixture.AdminKey);
        return host;
    }

    private async Task<(Guid Id, string Secret)> SubscribeAsync(string url)
    {
        using var response = await Host.Client.PostAsJsonAsync("/api/merchants/cafe-1/webhooks", new { url, events = new[] { WebhookEvents.StampAdded } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("subscription").GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
    }

    private async Task SaleAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        using var response = await Host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{id}", $"S-{id}", $"c-{id}"), WebhooksHostFixture.PosSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> SubscriptionAsync(Guid id) =>
        JsonDocument.Parse(await Host.Client.GetStringAsync($"/api/merchants/cafe-1/webhooks/{id}")).RootElement;

    private async Task<IReadOnlyList<JsonElement>> DeliveriesAsync(Guid id) =>
        [.. JsonDocument.Parse(await Host.Client.GetStringAsync($"/api/merchants/cafe-1/webhooks/{id}/deliveries")).RootElement.EnumerateArray()];

    private sealed class StaticOptionsMonitor(WebhooksOptions value) : IOptionsMonitor<WebhooksOptions>
    {
        public WebhooksOptions CurrentValue => value;

        public WebhooksOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<WebhooksOptions, string?> listener) => null;
    }

    private sealed class OneClientFactory(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
