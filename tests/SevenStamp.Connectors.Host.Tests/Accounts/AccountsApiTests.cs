using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SevenStamp.Loyalty;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>Two merchants set up through the API, shared by the tests of one class.</summary>
public sealed class TwoMerchantsFixture : IAsyncLifetime
{
    public TwoMerchants Merchants { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Merchants = await TwoMerchants.StartAsync(LoyaltyStoreProvider.Sqlite);

    public async ValueTask DisposeAsync() => await Merchants.DisposeAsync();
}

/// <summary>Roles, keys, lockout and the audit log through the HTTP API, as the people of a merchant use them.</summary>
public sealed class AccountsApiTests(TwoMerchantsFixture fixture) : IClassFixture<TwoMerchantsFixture>
{
    private TwoMerchants Merchants => fixture.Merchants;

    public static TheoryData<string, string, string, HttpStatusCode> RoleCalls() => new()
    {
        { "owner", "GET", "/api/merchants/merchant-a/keys", HttpStatusCode.OK },
        { "owner", "GET", "/api/merchants/merchant-a/people", HttpStatusCode.OK },
        { "owner", "GET", "/api/merchants/merchant-a/audit", HttpStatusCode.OK },
        { "manager", "GET", "/api/merchants/merchant-a/program", HttpStatusCode.OK },
        { "manager", "GET", "/api/merchants/merchant-a/connectors", HttpStatusCode.OK },
        { "manager", "GET", "/api/merchants/merchant-a/keys", HttpStatusCode.Forbidden },
        { "manager", "GET", "/api/merchants/merchant-a/people", HttpStatusCode.Forbidden },
        { "manager", "GET", "/api/merchants/merchant-a/audit", HttpStatusCode.Forbidden },
        { "staff", "GET", "/api/merchants/merchant-a/cards/{card}", HttpStatusCode.OK },
        { "staff", "POST", "/api/staff/redeem", HttpStatusCode.NotFound },
        { "staff", "GET", "/api/merchants/merchant-a/program", HttpStatusCode.Forbidden },
        { "staff", "GET", "/api/merchants/merchant-a/connectors", HttpStatusCode.Forbidden },
        { "staff", "GET", "/api/merchants/merchant-a/unmatched", HttpStatusCode.Forbidden },
        { "key", "GET", "/api/merchants/merchant-a/program", HttpStatusCode.OK },
        { "key", "GET", "/api/connector-plugins", HttpStatusCode.OK },
        { "key", "GET", "/api/merchants/merchant-a/keys", HttpStatusCode.Forbidden },
        { "key", "GET", "/api/connectors", HttpStatusCode.Forbidden },
        { "staff-token", "GET", "/api/merchants/merchant-a/cards/{card}", HttpStatusCode.OK },
        { "staff-token", "POST", "/api/staff/redeem", HttpStatusCode.NotFound },
        { "staff-token", "GET", "/api/merchants/merchant-a/program", HttpStatusCode.Forbidden },
        { "operator", "GET", "/api/merchants/merchant-a/keys", HttpStatusCode.OK },
        { "operator", "POST", "/api/staff/redeem", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(RoleCalls))]
    public async Task Request_OnTheCallersOwnMerchant_IsAllowedExactlyByTheRole(string role, string method, string path, HttpStatusCode expected)
    {
        // Arrange
        var client = role == "operator" ? Merchants.Operator : Merchants.OfA[role];
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{card}", Merchants.CardOfA, StringComparison.Ordinal));
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { code = "AA-NO-SUCH-CODE" });
        }

        // Act
        var response = await client.SendAsync(request);

        // Assert
        Assert.True(response.StatusCode == expected, $"{role} {method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Connectors_OperatorOnlyPluginAsAMerchant_IsNeitherListedNorAccepted()
    {
        // Act: the catalogue as merchant A's owner and key and as the operator; a file-drop connector as A's owner.
        var ownersCatalogue = await Merchants.OfA["owner"].GetStringAsync("/api/connector-plugins");
        var keysCatalogue = await Merchants.OfA["key"].GetStringAsync("/api/connector-plugins");
        var operatorsCatalogue = await Merchants.Operator.GetStringAsync("/api/connector-plugins");
        var created = await Merchants.OfA["owner"].PostAsJsonAsync(
            "/api/merchants/merchant-a/connectors",
            new { id = "a-files", plugin = "csv-drop", settings = new { folder = Path.GetTempPath() } });

        // Assert
        Assert.DoesNotContain("\"csv-drop\"", ownersCatalogue, StringComparison.Ordinal);
        Assert.DoesNotContain("\"csv-drop\"", keysCatalogue, StringComparison.Ordinal);
        Assert.Contains("\"csv-drop\"", operatorsCatalogue, StringComparison.Ordinal);
        Assert.Contains("\"generic-webhook\"", ownersCatalogue, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        using var problem = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Contains("only the operator", problem.RootElement.GetProperty("errors").GetProperty("plugin")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Merchants.Operator.GetAsync("/api/connectors/a-files")).StatusCode);
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksTheAccountEvenForTheRightOneAndIsAudited()
    {
        // Arrange
        await Merchants.InviteAndAcceptAsync(Merchants.OfA["owner"], TwoMerchants.A, "Staff", "lock-me");
        using var client = Merchants.Client();

        // Act
        var answers = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            answers.Add((await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "lock-me", password = "Wrong-Pass-2026" })).StatusCode);
        }

        var right = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "lock-me", password = TwoMerchants.Password });
        var audit = await AuditAsync($"?actor=lock-me&kind=signin");

        // Assert
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Locked], answers);
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);
        Assert.Equal(4, audit.Count(e => e.GetProperty("kind").GetString() == "signin.failed"));
        Assert.Equal(2, audit.Count(e => e.GetProperty("kind").GetString() == "signin.lockedout"));
        using var people = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync("/api/merchants/merchant-a/people"));
        Assert.True(people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "lock-me").GetProperty("lockedOut").GetBoolean());
    }

    [Fact]
    public async Task RotateKey_WithAnOverlapThenWithNone_OldKeyWorksOnlyWhileTheOverlapLasts()
    {
        // Arrange
        var owner = Merchants.OfA["owner"];
        var created = await owner.PostAsJsonAsync("/api/merchants/merchant-a/keys", new { name = "crm sync", scopes = new[] { "read" } });
        var first = await TwoMerchants.TokenOfAsync(created, "key");
        var firstId = await TwoMerchants.TokenOfAsync(created, "details", "id");

        // Act
        var rotated = await owner.PostAsJsonAsync($"/api/merchants/merchant-a/keys/{firstId}/rotate", new { overlap = "01:00:00" });
        var second = await TwoMerchants.TokenOfAsync(rotated, "key");
        var secondId = await TwoMerchants.TokenOfAsync(rotated, "details", "id");
        var firstDuringOverlap = await Merchants.Client(first).GetAsync("/api/merchants/merchant-a/program");
        var secondDuringOverlap = await Merchants.Client(second).GetAsync("/api/merchants/merchant-a/program");
        var again = await owner.PostAsJsonAsync($"/api/merchants/merchant-a/keys/{secondId}/rotate", new { overlap = "00:00:00" });
        var third = await TwoMerchants.TokenOfAsync(again, "key");
        var secondAfter = await Merchants.Client(second).GetAsync("/api/merchants/merchant-a/program");
        var thirdAfter = await Merchants.Client(third).GetAsync("/api/merchants/merchant-a/program");
        var readOnlyWrite = await Merchants.Client(third).PostAsJsonAsync("/api/merchants/merchant-a/cards", new { loyaltyCardId = "KEY-WRITE" });
        var badOverlap = await owner.PostAsJsonAsync($"/api/merchants/merchant-a/keys/{secondId}/rotate", new { overlap = "90.00:00:00" });

        // Assert
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, firstDuringOverlap.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondDuringOverlap.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, secondAfter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, thirdAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnlyWrite.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badOverlap.StatusCode);
        using var keys = JsonDocument.Parse(await owner.GetStringAsync("/api/merchants/merchant-a/keys"));
        Assert.DoesNotContain(keys.RootElement.EnumerateArray(), k => k.TryGetProperty("key", out _) || k.GetRawText().Contains(third[^12..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_ChangesByPeopleAndKeys_AreLoggedWithWhoAndBeforeAfterButNoSecret()
    {
        // Arrange
        var owner = Merchants.OfA["owner"];
        var manager = Merchants.OfA["manager"];
        using var card = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/merchant-a/cards/{Merchants.CardOfA}"));
        var voucherId = card.RootElement.GetProperty("vouchers")[0].GetProperty("id").GetString();
        const string secret = "audited-shop-secret-0123456789";

        // Act
        var program = await owner.PutAsJsonAsync("/api/merchants/merchant-a/program", new { name = "A card renamed", reward = "A free tea", stampGoal = 1 });
        var voided = await manager.PostAsJsonAsync($"/api/merchants/merchant-a/vouchers/{voucherId}/void", new { reason = "given by mistake" });
        var connector = await Merchants.OfA["key"].PostAsJsonAsync("/api/merchants/merchant-a/connectors", new { id = "a-audited", plugin = "generic-webhook", settings = new { signingSecret = secret } });
        var entries = await AuditAsync(string.Empty);
        var ofB = await AuditAsync(string.Empty, TwoMerchants.B);

        // Assert
        Assert.Equal(HttpStatusCode.OK, program.StatusCode);
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        Assert.True(connector.StatusCode == HttpStatusCode.Created, await connector.Content.ReadAsStringAsync());
        var edited = Assert.Single(entries, e => e.GetProperty("kind").GetString() == "program.edited");
        Assert.Equal("merchant-a-owner", edited.GetProperty("actor").GetString());
        Assert.Equal("Person", edited.GetProperty("actorKind").GetString());
        Assert.Contains("A card", edited.GetProperty("before").GetString(), StringComparison.Ordinal);
        Assert.Contains("A card renamed", edited.GetProperty("after").GetString(), StringComparison.Ordinal);
        var void_ = Assert.Single(entries, e => e.GetProperty("kind").GetString() == "voucher.voided");
        Assert.Equal("merchant-a-manager", void_.GetProperty("actor").GetString());
        var created = Assert.Single(entries, e => e.GetProperty("kind").GetString() == "connector.created");
        Assert.Equal("ApiKey", created.GetProperty("actorKind").GetString());
        Assert.Contains("secrets set: signingSecret", created.GetProperty("after").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, JsonSerializer.Serialize(entries), StringComparison.Ordinal);
        Assert.Contains(entries, e => e.GetProperty("kind").GetString() == "key.created");
        Assert.Contains(entries, e => e.GetProperty("kind").GetString() == "person.invited");
        Assert.DoesNotContain(ofB, e => e.GetProperty("actor").GetString()!.StartsWith("merchant-a", StringComparison.Ordinal));
        using var voucher = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/merchant-a/vouchers/{voucherId}"));
        Assert.Contains(voucher.RootElement.GetProperty("history").EnumerateArray(), h => h.GetProperty("actor").GetString() == "merchant-a-manager");
    }

    private async Task<List<JsonElement>> AuditAsync(string query, string merchantId = TwoMerchants.A)
    {
        var owner = merchantId == TwoMerchants.A ? Merchants.OfA["owner"] : Merchants.OwnerOfB;
        using var document = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/{merchantId}/audit{query}"));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
