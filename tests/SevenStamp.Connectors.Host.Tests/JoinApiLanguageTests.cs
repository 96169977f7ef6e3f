using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// <c>POST /api/join/{merchantId}</c> with the language the customer joined in (an app's or a kiosk's): kept with the
/// customer and carried by the card's <see cref="CardIssued"/> event; a tag that is none is refused by field.
/// </summary>
public sealed class JoinApiLanguageTests
{
    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_WithALanguageThenANonsenseOne_KeepsTheFirstAndRefusesTheSecondNamingTheField(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Vouchers:LinkSecret"] = "join-api-link-secret-0123456789abcdefgh",
            },
            provider);

        // Act
        using var joined = await host.Client.PostAsJsonAsync("/api/join/cafe-1", new { language = "kk" });
        using var refused = await host.Client.PostAsJsonAsync("/api/join/cafe-1", new { language = "<script>" });

        // Assert
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.BadRequest), (joined.StatusCode, refused.StatusCode));
        using var refusal = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(["language"], refusal.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        using var body = JsonDocument.Parse(await joined.Content.ReadAsStringAsync());
        var card = body.RootElement.GetProperty("cardId").GetGuid();
        Assert.Equal("kk", await host.QueryAsync(db => db.Customers.Where(c => db.Cards.Any(k => k.Id == card && k.CustomerId == c.Id)).Select(c => c.Language).SingleAsync()));
        var payload = await host.QueryAsync(db => db.Outbox.Where(m => m.MessageType == nameof(CardIssued)).Select(m => m.Payload).SingleAsync());
        var issued = JsonSerializer.Deserialize<CardIssued>(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal((card, CardOrigin.Join, "kk"), (issued.CardId, issued.Origin, issued.Language));
    }
}
