using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>A host with a generic and a Shopify webhook connector, the management API and a program, for hostile input.</summary>
public sealed class HostileHostFixture : IAsyncLifetime
{
    public const string AdminKey = "hostile-admin-key-0123456789abcdefgh";
    public const string Secret = "hostile-shop-secret-0123456789";
    public const string ShopifySecret = "shpss_hostile_client_secret_0123456789";

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await RunningHost.StartAsync(
            $$"""
            { "connectors": [
                { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "{{Secret}}" } },
                { "id": "shop-b", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "{{Secret}}" } },
                { "id": "shopify", "plugin": "json-webhook", "merchantId": "cafe-1", "settings": { "preset": "shopify", "secret": "{{ShopifySecret}}" } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "1000",
                ["SevenStamp:RateLimits:PasswordReset:PermitLimit"] = "1000",
                ["SevenStamp:CircuitBreakerFailures"] = "3",
                ["SevenStamp:CircuitBreakerOpenFor"] = "00:10:00",
                ["SevenStamp:Vouchers:LinkSecret"] = "hostile-link-secret-0123456789abcdefgh",
                ["SevenStamp:Programs:1:MerchantId"] = "cafe-1",
                ["SevenStamp:Programs:1:Name"] = "Coffee card",
                ["SevenStamp:Programs:1:Reward"] = "A free coffee",
                ["SevenStamp:Programs:1:StampGoal"] = "10",
            });
        Host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    /// <summary>A signed-in person of cafe-1, made when a test first needs one.</summary>
    public HttpClient? Person { get; set; }

    public async ValueTask DisposeAsync()
    {
        Person?.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// Hostile input at every door: invisible characters must not split a customer, malformed events are answered 4xx and
/// never open a connector's circuit, and the management API answers 400 naming the field for broken text, repeated
/// keys and over-long values.
/// </summary>
public sealed class HostileInputTests(HostileHostFixture fixture) : IClassFixture<HostileHostFixture>
{
    /// <summary>Bytes that are not UTF-8 (0xC3 opens a two-byte sequence that 0x28 does not continue).</summary>
    private static readonly byte[] InvalidUtf8 = [0xC3, 0x28];

    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task Webhook_CustomerIdsDifferingOnlyByInvisibleCharacters_StampOneCard()
    {
        // Arrange: the same customer as a POS may send them: plain, with a zero-width space, a bidi override, a BOM.
        string[] spellings = ["ana-7", "ana-7\u200B", "\u202Eana-7", "\uFEFFana-7\u2060"];

        // Act
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < spellings.Length; i++)
        {
            var body = JsonSerializer.Serialize(new
            {
                eventId = $"evt-inv-{i}",
                type = "sale.completed",
                sale = new { id = $"S-INV-{i}", occurredAt = "2026-11-23T09:30:00Z", customer = new { id = spellings[i] }, currency = "EUR", total = 3.20m },
            });
            answers.Add((await Host.PostWebhookAsync("shop-b", body, HostileHostFixture.Secret)).StatusCode);
        }

        // Assert
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("shop-b", "ana-7") == 4, TimeSpan.FromSeconds(30)), $"Expected one card with 4 stamps, found {await Host.StampsOfAsync("shop-b", "ana-7")}.");
    }

    public static TheoryData<string> WebhookConnectors => ["shop", "shopify"];

    [Theory]
    [MemberData(nameof(WebhookConnectors))]
    public async Task Webhook_MalformedEventsInARow_AreRefusedWith4xxAndNeverOpenTheCircuit(string connectorId)
    {
        // Arrange: three kinds of broken text, each sent twice (a POS retrying): more than the circuit's threshold of 3.
        var bodies = MalformedBodies(connectorId).SelectMany(b => new[] { b, b }).ToList();

        // Act
        var answers = new List<(HttpStatusCode Status, string Body)>();
        foreach (var body in bodies)
        {
            var response = await PostSignedAsync(connectorId, body, $"wh-bad-{answers.Count}");
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        var valid = await PostSignedAsync(connectorId, Encoding.UTF8.GetBytes(ValidBody(connectorId)), "wh-good");

        // Assert
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.BadRequest, $"Expected 400, got {(int)a.Status}: {a.Body}"));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        var status = await ConnectorStatusAsync(connectorId);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("circuitOpenUntil").ValueKind);
        Assert.Equal(0, status.GetProperty("failures").GetInt64());
        Assert.True(status.GetProperty("invalid").GetInt64() >= bodies.Count);
    }

    [Fact]
    public async Task Webhook_ControlCharacterInASaleId_IsRefusedNamingTheField()
    {
        // Arrange: a bell character inside the sale id; the host's one rule refuses it whatever the connector does.
        var body = RunningHost.SaleJson("evt-bell", "S-\\u0007-1", "cust-bell");

        // Act
        var response = await Host.PostWebhookAsync("shop-b", body, HostileHostFixture.Secret);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("control character", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_IgnoredEvent_IsCountedOnTheConnectorStatus()
    {
        // Arrange
        var before = (await ConnectorStatusAsync("shop-b")).GetProperty("ignored").GetInt64();
        var body = """{ "eventId": "evt-ign-1", "type": "sale.voided", "sale": { "id": "S-IGN-1" } }""";

        // Act
        var response = await Host.PostWebhookAsync("shop-b", body, HostileHostFixture.Secret);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"outcome\":\"ignored\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, (await ConnectorStatusAsync("shop-b")).GetProperty("ignored").GetInt64());
    }

    /// <summary>Every management request that takes a body, with a valid body whose first string a test breaks.</summary>
    private static readonly (string Method, string Template, string Body)[] BodyEndpoints =
    [
        ("PUT", "/api/merchants/{merchantId}/program", """{"name": "Tea card", "reward": "A free tea", "stampGoal": 5}"""),
        ("POST", "/api/merchants/{merchantId}/program/pool", """["POOL-1", "POOL-2"]"""),
        ("POST", "/api/merchants/{merchantId}/cards", """{"loyaltyCardId": "CARD-H1"}"""),
        ("POST", "/api/merchants/{merchantId}/cards/{cardId}/links", """{"loyaltyCardId": "CARD-H2"}"""),
        ("POST", "/api/merchants/{merchantId}/cards/{cardId}/stamps", """{"reason": "till was offline", "delta": 1}"""),
        ("POST", "/api/merchants/{merchantId}/vouchers/{voucherId}/void", """{"reason": "duplicate voucher"}"""),
        ("POST", "/api/merchants/{merchantId}/staff", """{"staffId": "anna"}"""),
        ("POST", "/api/staff/redeem", """{"code": "CAFE-ABC123"}"""),
        ("POST", "/api/staff/scan", """{"code": "CAFE-ABC123", "mode": "autopilot"}"""),
        ("POST", "/api/staff/stamp", """{"cardId": "0123456789abcdef0123456789abcdef"}"""),
        ("POST", "/api/join/{merchantId}", """{"email": "ana@example.com", "consent": true}"""),
        ("POST", "/api/merchants/{merchantId}/webhooks", """{"url": "https://crm.example.com/hooks", "events": ["stamp_added"], "description": "CRM"}"""),
        ("PUT", "/api/merchants/{merchantId}/webhooks/{subscriptionId}", """{"description": "CRM of the shop"}"""),
        ("POST", "/api/merchants/{merchantId}/webhooks/{subscriptionId}/replay", """{"since": "2026-12-06T09:00:00Z"}"""),
        ("POST", "/api/merchants/{merchantId}/campaigns", """{"name": "Spring thank-you", "reward": "A free cake", "segment": "AllCards", "startAt": "2027-06-01T09:00:00Z"}"""),
        ("POST", "/api/merchants/{merchantId}/campaigns/preview", """{"name": "Spring thank-you", "reward": "A free cake", "segment": "AllCards"}"""),
        ("POST", "/api/merchants/{merchantId}/campaigns/{campaignId}/pool", """["CAKE-1", "CAKE-2"]"""),
        ("POST", "/api/connectors", """{"id": "hostile-new", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": {"signingSecret": "hostile-new-secret-0123456789"}}"""),
        ("PUT", "/api/connectors/{id}", """{"plugin": "generic-webhook", "merchantId": "cafe-1", "settings": {"signingSecret": "hostile-new-secret-0123456789"}}"""),
        ("PUT", "/api/connector-plugins/{pluginId}/config/validate", """{"signingSecret": "hostile-new-secret-0123456789"}"""),
        ("POST", "/api/merchants/{merchantId}/connectors", """{"id": "hostile-new-m", "plugin": "generic-webhook", "settings": {"signingSecret": "hostile-new-secret-0123456789"}}"""),
        ("PUT", "/api/merchants/{merchantId}/connectors/{id}", """{"plugin": "generic-webhook", "settings": {"signingSecret": "hostile-new-secret-0123456789"}}"""),
        ("POST", "/api/connectors/{id}/dry-run", """{"body": "a sample body", "headers": {"X-SevenStamp-Signature": "00"}}"""),
        ("POST", "/api/merchants/{merchantId}/connectors/{id}/dry-run", """{"body": "a sample body", "headers": {"X-SevenStamp-Signature": "00"}}"""),
        ("POST", "/api/merchants", """{"id": "hostile-merchant", "name": "Hostile Café"}"""),
        ("PUT", "/api/merchants/{merchantId}/language", """{"language": "he"}"""),
        ("POST", "/api/merchants/{merchantId}/people/invites", """{"role": "Staff"}"""),
        ("POST", "/api/merchants/{merchantId}/keys", """{"name": "till 9", "scopes": ["redeem"]}"""),
        ("POST", "/api/merchants/{merchantId}/keys/{keyId}/rotate", """{"overlap": "01:00:00"}"""),
        ("POST", "/api/account/invites/accept", """{"token": "no-such-invite", "userName": "hostile", "password": "a long enough password"}"""),
        ("POST", "/api/account/sign-in", """{"userName": "hostile", "password": "a long enough password"}"""),
        ("POST", "/api/account/password-reset", """{"userName": "hostile", "token": "no-such-token", "password": "A-long-enough-password-1"}"""),
        ("POST", "/api/account/two-factor/enable", """{"code": "123456"}"""),
    ];

    /// <summary>Management requests that read no body (their path says everything).</summary>
    private static readonly string[] NoBodyEndpoints =
    [
        "PUT /api/connectors/{id}/pause",
        "PUT /api/connectors/{id}/resume",
        "POST /api/connectors/{id}/restart",
        "PUT /api/merchants/{merchantId}/connectors/{id}/pause",
        "PUT /api/merchants/{merchantId}/connectors/{id}/resume",
        "POST /api/merchants/{merchantId}/connectors/{id}/restart",
        "POST /api/account/sign-out",
        "POST /api/account/two-factor/setup",
        "POST /api/account/two-factor/disable",
        "POST /api/merchants/{merchantId}/people/{userId}/password-reset",
        "POST /v/{voucherId}/{token}/redeem",
        "POST /api/merchants/{merchantId}/webhooks/{subscriptionId}/secret",
        "POST /api/merchants/{merchantId}/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver",
        "POST /api/merchants/{merchantId}/campaigns/{campaignId}/cancel",
    ];

    [Fact]
    public async Task ManagementApi_EveryPostAndPut_IsCoveredByTheHostileBodyTable()
    {
        // Act
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync("/openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name is "post" or "put").Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .Where(op => !op.Contains(" /webhooks/", StringComparison.Ordinal) && !op.Contains("/v1/devices/", StringComparison.Ordinal) && !op.Contains("/v1/log", StringComparison.Ordinal))
            .ToList();
        var covered = BodyEndpoints.Select(e => $"{e.Method} {e.Template}").Concat(NoBodyEndpoints).ToHashSet(StringComparer.Ordinal);

        // Assert: a new endpoint with a body must join the table below (and so be tested with hostile bodies).
        Assert.NotEmpty(operations);
        Assert.DoesNotContain(operations, op => !covered.Contains(op));
    }

    public static TheoryData<string, string> Breakages()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in BodyEndpoints)
        {
            foreach (var breakage in new[] { "lone surrogate", "invalid UTF-8", "repeated key" })
            {
                data.Add($"{endpoint.Method} {endpoint.Template}", breakage);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task ManagementApi_BrokenBody_Answers400NamingTheField(string endpoint, string breakage)
    {
        // Arrange
        var (method, template, body) = BodyEndpoints.Single(e => $"{e.Method} {e.Template}" == endpoint);
        var path = await ResolveAsync(template);
        var broken = breakage switch
        {
            "lone surrogate" => Encoding.UTF8.GetBytes(InFirstString(body, "\\ud800")),
            "invalid UTF-8" => SpliceIntoFirstString(body, InvalidUtf8),
            _ => Encoding.UTF8.GetBytes(RepeatFirstKey(body)),
        };
        var content = new ByteArrayContent(broken);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        if (template.StartsWith("/api/staff/", StringComparison.Ordinal))
        {
            // The counter's calls take a credential of one merchant that may redeem: a staff token.
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await StaffTokenAsync());
        }

        // Act
        // A person's own account calls take that person's session.
        var response = template.StartsWith("/api/account/two-factor/", StringComparison.Ordinal)
            ? await (await PersonAsync()).SendAsync(request)
            : await Host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint} with a {breakage}: expected 400, got {(int)response.StatusCode}: {text}");
        using var problem = JsonDocument.Parse(text);
        var errors = problem.RootElement.GetProperty("errors").EnumerateObject().ToList();
        Assert.NotEmpty(errors);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        if (breakage == "repeated key")
        {
            Assert.Contains("twice", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ManagementApi_SettingOf900Kilobytes_IsRefusedNotStoredAndNotEchoed()
    {
        // Arrange
        var huge = new string('h', 900 * 1024);
        var body = JsonSerializer.Serialize(new { id = "hostile-huge", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "hostile-huge-secret-0123456789", signatureHeader = huge } });

        // Act
        var response = await Host.Client.PostAsync("/api/connectors", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        var stored = await Host.Client.GetAsync("/api/connectors/hostile-huge");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("signatureHeader", text, StringComparison.Ordinal);
        Assert.True(text.Length < 4096, $"The answer is {text.Length} characters: it must not repeat the value.");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task ManagementApi_LoyaltyCardIdWithInvisibleCharacters_FindsTheSameCard()
    {
        // Act
        var enrolled = await Host.Client.PostAsync("/api/merchants/cafe-1/cards", new StringContent("""{"loyaltyCardId": "\uFEFFCARD-INV\u200B"}""", Encoding.UTF8, "application/json"));
        var found = await Host.Client.GetAsync("/api/merchants/cafe-1/cards?loyaltyCardId=CARD-INV");

        // Assert
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
    }

    /// <summary>A signed-in owner of cafe-1 (made once per fixture: the operator invites, the owner accepts and signs in).</summary>
    private async Task<HttpClient> PersonAsync()
    {
        if (fixture.Person is { } person)
        {
            return person;
        }

        var invited = await Host.Client.PostAsync("/api/merchants/cafe-1/people/invites", new StringContent("""{"role": "Owner"}""", Encoding.UTF8, "application/json"));
        using var invite = JsonDocument.Parse(await invited.Content.ReadAsStringAsync());
        var token = invite.RootElement.GetProperty("token").GetString();
        await Host.Client.PostAsync("/api/account/invites/accept", JsonContent.Create(new { token, userName = "hostile-owner", password = "Hostile-Pass-2026" }));
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = Host.Client.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/account/sign-in", JsonContent.Create(new { userName = "hostile-owner", password = "Hostile-Pass-2026" }))).StatusCode);
        fixture.Person = client;
        return client;
    }

    private async Task<string> StaffTokenAsync()
    {
        var created = await Host.Client.PostAsync("/api/merchants/cafe-1/staff", new StringContent("""{"staffId": "hostile-staff"}""", Encoding.UTF8, "application/json"));
        using var staff = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        return staff.RootElement.GetProperty("token").GetString()!;
    }

    private async Task<string> ResolveAsync(string template)
    {
        var path = template.Replace("{merchantId}", "cafe-1", StringComparison.Ordinal)
            .Replace("{voucherId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{id}", "hostile-put", StringComparison.Ordinal)
            .Replace("{pluginId}", "generic-webhook", StringComparison.Ordinal)
            .Replace("{subscriptionId}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        if (path.Contains("{keyId}", StringComparison.Ordinal))
        {
            var created = await Host.Client.PostAsync("/api/merchants/cafe-1/keys", new StringContent("""{"name": "hostile key", "scopes": ["read"]}""", Encoding.UTF8, "application/json"));
            using var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            path = path.Replace("{keyId}", key.RootElement.GetProperty("details").GetProperty("id").GetString(), StringComparison.Ordinal);
        }

        if (path.Contains("{campaignId}", StringComparison.Ordinal))
        {
            // A campaign needs the merchant's program.
            await Host.Client.PutAsync("/api/merchants/cafe-1/program", new StringContent("""{"name": "Tea card", "reward": "A free tea", "stampGoal": 5}""", Encoding.UTF8, "application/json"));
            var created = await Host.Client.PostAsync("/api/merchants/cafe-1/campaigns", JsonContent.Create(new { name = "Hostile cake", reward = "A free cake", codeSource = "Pool", startAt = DateTimeOffset.UtcNow.AddDays(30) }));
            var answer = await created.Content.ReadAsStringAsync();
            Assert.True(created.IsSuccessStatusCode, $"creating the campaign answered {(int)created.StatusCode}: {answer}");
            using var campaign = JsonDocument.Parse(answer);
            path = path.Replace("{campaignId}", campaign.RootElement.GetProperty("id").GetString(), StringComparison.Ordinal);
        }

        if (path.Contains("{cardId}", StringComparison.Ordinal))
        {
            var created = await Host.Client.PostAsync("/api/merchants/cafe-1/cards", new StringContent("{}", Encoding.UTF8, "application/json"));
            using var card = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            path = path.Replace("{cardId}", card.RootElement.GetProperty("cardId").GetString(), StringComparison.Ordinal);
        }

        return path;
    }

    private async Task<JsonElement> ConnectorStatusAsync(string connectorId)
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync($"/api/connectors/{connectorId}/status"));
        return document.RootElement.Clone();
    }

    /// <summary>The broken bodies a connector must refuse: a lone surrogate escape, bytes that are not UTF-8, a control character in an id.</summary>
    private static IEnumerable<byte[]> MalformedBodies(string connectorId)
    {
        var valid = ValidBody(connectorId);
        var text = connectorId == "shop" ? "cust-h" : "Flat white";
        yield return Encoding.UTF8.GetBytes(valid.Replace(text, "\\ud800", StringComparison.Ordinal));
        var at = Encoding.UTF8.GetBytes(valid[..valid.IndexOf(text, StringComparison.Ordinal)]).Length;
        var bytes = Encoding.UTF8.GetBytes(valid);
        yield return [.. bytes[..at], .. InvalidUtf8, .. bytes[at..]];
        yield return Encoding.UTF8.GetBytes(connectorId == "shop"
            ? valid.Replace("S-HOST-1", "S-\\u0007", StringComparison.Ordinal)
            : valid.Replace("\"jane@example.com\"", "\"\\u0000\"", StringComparison.Ordinal).Replace("FW-01", "FW-\\u0007", StringComparison.Ordinal));
    }

    private static string ValidBody(string connectorId) => connectorId == "shop"
        ? RunningHost.SaleJson("evt-host-1", "S-HOST-1", "cust-h")
        : """
          { "id": 820982911946154508, "created_at": "2026-11-23T04:30:00-05:00", "currency": "EUR", "total_price": "3.80",
            "email": "jane@example.com", "customer": { "id": 115310627314723954 },
            "line_items": [ { "name": "Flat white", "price": "3.80", "quantity": 1, "sku": "FW-01", "variant_id": 39072856 } ],
            "discount_codes": [] }
          """;

    private Task<HttpResponseMessage> PostSignedAsync(string connectorId, byte[] body, string deliveryId)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{connectorId}") { Content = content };
        if (connectorId == "shop")
        {
            request.Headers.Add("X-SevenStamp-Signature", WebhookSignatures.ComputeHmacSha256(body, Encoding.UTF8.GetBytes(HostileHostFixture.Secret), SignatureEncoding.Hex));
        }
        else
        {
            request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HostileHostFixture.ShopifySecret), body)));
            request.Headers.Add("X-Shopify-Topic", "orders/paid");
            request.Headers.Add("X-Shopify-Webhook-Id", deliveryId);
        }

        return Host.Client.SendAsync(request);
    }

    /// <summary>The body with the content of its first string value (not a property name) replaced by <paramref name="content"/>.</summary>
    private static string InFirstString(string body, string content)
    {
        var (start, end) = FirstStringValue(body);
        return body[..start] + content + body[end..];
    }

    private static byte[] SpliceIntoFirstString(string body, byte[] bytes)
    {
        var (start, _) = FirstStringValue(body);
        var prefix = Encoding.UTF8.GetBytes(body[..start]);
        return [.. prefix, .. bytes, .. Encoding.UTF8.GetBytes(body[start..])];
    }

    /// <summary>The first property of the outermost object given twice, or (for an array) a key-less body's first element twice inside an object.</summary>
    private static string RepeatFirstKey(string body)
    {
        if (body.TrimStart().StartsWith('['))
        {
            // A pool body as an object: {"codes": [...], "codes": [...]}.
            return $$"""{"codes": {{body}}, "codes": {{body}}}""";
        }

        using var document = JsonDocument.Parse(body);
        var first = document.RootElement.EnumerateObject().First();
        var brace = body.IndexOf('{', StringComparison.Ordinal) + 1;
        return body[..brace] + JsonSerializer.Serialize(first.Name) + ": " + first.Value.GetRawText() + ", " + body[brace..];
    }

    /// <summary>Where the content of the first string value starts and ends (inside its quotes).</summary>
    private static (int Start, int End) FirstStringValue(string body)
    {
        using var document = JsonDocument.Parse(body);
        var first = FirstString(document.RootElement) ?? throw new InvalidOperationException("The body has no string value.");
        var quoted = "\"" + first + "\"";
        var at = body.IndexOf(": " + quoted, StringComparison.Ordinal) is var colon and >= 0 ? colon + 2 : body.IndexOf(quoted, StringComparison.Ordinal);
        return (at + 1, at + quoted.Length - 1);
    }

    private static string? FirstString(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Array => element.EnumerateArray().Select(FirstString).FirstOrDefault(s => s is not null),
        JsonValueKind.Object => element.EnumerateObject().Select(p => FirstString(p.Value)).FirstOrDefault(s => s is not null),
        _ => null,
    };
}
