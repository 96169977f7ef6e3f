using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// <c>POST /api/join/{merchantId}</c>, the join page's rule for JSON clients: a card with no credentials, the optional
/// details checked by field and kept only as hashes with the consent recorded, an identifier of another card refused
/// with nothing created, and the join limits: per client first, then per merchant.
/// </summary>
public sealed class JoinApiTests
{
    private const string Merchant = "cafe-1";

    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_NoBodyThenDetailsWithConsent_CreatesCardsWithTheirLinkAndKeepsOnlyHashes(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await StartAsync(provider);

        // Act
        var plain = await host.Client.PostAsync($"/api/join/{Merchant}", null);
        var detailed = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { email = " Zoe@Example.org ", phone = "+49 151 1234-5678", birthdayMonth = 2, birthdayDay = 29, consent = true });

        // Assert: the answers.
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        using var plainBody = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
        var plainCard = plainBody.RootElement.GetProperty("cardId").GetGuid();
        Assert.Equal(plain.Headers.Location?.OriginalString, plainBody.RootElement.GetProperty("walletLink").GetString());
        Assert.StartsWith($"/wallet/cards/{plainCard:N}/", plainBody.RootElement.GetProperty("walletLink").GetString(), StringComparison.Ordinal);
        Assert.Equal((10, "A free coffee"), (plainBody.RootElement.GetProperty("goal").GetInt32(), plainBody.RootElement.GetProperty("reward").GetString()));
        Assert.Equal(JsonValueKind.Null, plainBody.RootElement.GetProperty("consent").ValueKind);
        Assert.Equal(HttpStatusCode.Created, detailed.StatusCode);
        using var detailedBody = JsonDocument.Parse(await detailed.Content.ReadAsStringAsync());
        var card = detailedBody.RootElement.GetProperty("cardId").GetGuid();
        var consent = detailedBody.RootElement.GetProperty("consent");
        Assert.Equal((true, true, true, CardJoining.ConsentVersion), (consent.GetProperty("email").GetBoolean(), consent.GetProperty("phone").GetBoolean(), consent.GetProperty("birthday").GetBoolean(), consent.GetProperty("version").GetString()));

        // Assert: the links are the hashes a connector's sale carries; the consent and birthday are the card's.
        var links = await host.QueryAsync(db => db.CustomerLinks.Where(l => db.Cards.Any(c => c.Id == card && c.CustomerId == l.CustomerId)).Select(l => new { l.Kind, l.Value }).ToListAsync());
        Assert.Equal(
            [(CustomerIdentity.Email, CustomerHash.Email("zoe@example.org")!), (CustomerIdentity.Phone, CustomerHash.Phone("+4915112345678")!)],
            links.Select(l => (l.Kind, l.Value)).OrderBy(l => l.Kind, StringComparer.Ordinal).ToList());
        var kept = await host.QueryAsync(db => db.CardConsents.SingleAsync(c => c.CardId == card));
        Assert.Equal(CardJoining.ConsentText, kept.ConsentText);
        Assert.Equal((2, 29), await host.QueryAsync(db => db.Customers.Where(c => db.Cards.Any(k => k.Id == card && k.CustomerId == c.Id)).Select(c => new ValueTuple<int?, int?>(c.BirthMonth, c.BirthDay)).SingleAsync()));
        Assert.False(await host.QueryAsync(db => db.CardConsents.AnyAsync(c => c.CardId == plainCard)));
    }

    [Fact]
    public async Task Join_BadDetailsOrNoConsent_Answers400NamingEachFieldAndCreatesNothing()
    {
        // Arrange
        await using var host = await StartAsync(LoyaltyStoreProvider.Sqlite);

        // Act
        var bad = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { email = "zoe@localhost", phone = "0151 1234 5678", birthdayMonth = 4, birthdayDay = 31, consent = true });
        var noConsent = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { email = "zoe@example.org" });
        var halfBirthday = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { birthdayMonth = 13, consent = true });

        // Assert
        Assert.Equal(["birthdayDay", "email", "phone"], await ErrorFieldsAsync(bad));
        Assert.Equal(["consent"], await ErrorFieldsAsync(noConsent));
        Assert.Equal(["birthdayDay"], await ErrorFieldsAsync(halfBirthday));
        Assert.Equal(0, await host.QueryAsync(db => db.Cards.CountAsync()));
        Assert.Equal(0, await host.QueryAsync(db => db.Customers.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_EmailOfAnotherCard_Answers400OnEmailAndCreatesNothing(LoyaltyStoreProvider provider)
    {
        // Arrange: a customer who joined with their e-mail.
        await using var host = await StartAsync(provider);
        var first = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { email = "sam@example.org", consent = true });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        // Act: someone else gives the same address (and a phone nobody has).
        var second = await host.Client.PostAsJsonAsync($"/api/join/{Merchant}", new { email = "SAM@example.org", phone = "+44 20 7946 0001", consent = true });

        // Assert: refused on the e-mail; no second customer, card, link or consent, not even the free phone's.
        Assert.Equal(["email"], await ErrorFieldsAsync(second));
        Assert.Equal(1, await host.QueryAsync(db => db.Cards.CountAsync()));
        Assert.Equal(1, await host.QueryAsync(db => db.Customers.CountAsync()));
        Assert.Equal(1, await host.QueryAsync(db => db.CustomerLinks.CountAsync()));
        Assert.Equal(1, await host.QueryAsync(db => db.CardConsents.CountAsync()));
    }

    [Fact]
    public async Task Join_UnknownMerchant_Answers404()
    {
        // Arrange
        await using var host = await StartAsync(LoyaltyStoreProvider.Sqlite);

        // Act
        var response = await host.Client.PostAsync("/api/join/no-such-shop", null);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await host.QueryAsync(db => db.Cards.CountAsync()));
    }

    [Fact]
    public async Task Join_PastTheClientsLimitThenTheMerchants_Answers429AndTheClientsRefusalsCostTheMerchantNothing()
    {
        // Arrange: two cards an hour per address, four per merchant.
        await using var host = await StartAsync(LoyaltyStoreProvider.Sqlite, new Dictionary<string, string?>
        {
            ["SevenStamp:RateLimits:JoinPerClient:PermitLimit"] = "2",
            ["SevenStamp:RateLimits:JoinPerClient:Window"] = "01:00:00",
            ["SevenStamp:RateLimits:JoinPerMerchant:PermitLimit"] = "4",
            ["SevenStamp:RateLimits:JoinPerMerchant:Window"] = "01:00:00",
            ["SevenStamp:Programs:1:MerchantId"] = "cafe-2",
            ["SevenStamp:Programs:1:Name"] = "Tea card",
            ["SevenStamp:Programs:1:Reward"] = "A free tea",
        });
        using var flooder = LoopbackClients.From(71, host.Client.BaseAddress!);
        using var second = LoopbackClients.From(72, host.Client.BaseAddress!);
        using var third = LoopbackClients.From(73, host.Client.BaseAddress!);
        using var fourth = LoopbackClients.From(74, host.Client.BaseAddress!);
        var flood = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            flood.Add((await flooder.PostAsync($"/api/join/{Merchant}", null)).StatusCode);
        }

        // Act: a second address; a third once the merchant is full; a fourth for another merchant.
        var secondsJoins = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            secondsJoins.Add((await second.PostAsync($"/api/join/{Merchant}", null)).StatusCode);
        }

        using var merchantFull = await third.PostAsync($"/api/join/{Merchant}", null);
        using var otherMerchant = await fourth.PostAsync("/api/join/cafe-2", null);

        // Assert: the flooder's three refusals did not count for the merchant, so the second address got both.
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], flood);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created], secondsJoins);
        Assert.Equal(HttpStatusCode.TooManyRequests, merchantFull.StatusCode);
        Assert.NotNull(merchantFull.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, otherMerchant.StatusCode);
        Assert.Equal(4, await host.QueryAsync(db => db.Cards.CountAsync(c => c.MerchantId == Merchant)));
    }

    private static Task<RunningHost> StartAsync(LoyaltyStoreProvider provider, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Vouchers:LinkSecret"] = "join-api-link-secret-0123456789abcdefgh",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return RunningHost.StartAsync("""{ "connectors": [] }""", settings, provider);
    }

    private static async Task<List<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal)];
    }
}
