using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;

namespace SevenStamp.Pages.Tests;

/// <summary>The language a customer joins in: the one the join page is shown in, kept with them and on the card's event.</summary>
public sealed partial class JoinPageTests
{
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_PageInHebrew_KeepsTheLanguageOnTheCustomerAndTheCardIssuedEvent(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await PagesHost.StartAsync(provider);
        await MerchantWithProgramAsync(host, "falafel-stop", "Falafel Stop", goal: 9, reward: "A free pita");
        var phone = await browser.NewPageAsync(host.BaseAddress, phone: true);
        await phone.GotoAsync("/join/falafel-stop?lang=he");

        // Act: the form's one button, whatever the words on it.
        await phone.Locator("form.join-form button[type=submit]").TapAsync();
        await phone.WaitForURLAsync(CardPage());

        // Assert
        var cardId = CardIdOf(phone.Url);
        var language = await host.Host.QueryAsync(db => db.Customers.Where(c => db.Cards.Any(k => k.Id == cardId && k.CustomerId == c.Id)).Select(c => c.Language).SingleAsync());
        Assert.Equal("he", language);
        var payload = await host.Host.QueryAsync(db => db.Outbox.Where(m => m.MessageType == nameof(CardIssued)).Select(m => m.Payload).SingleAsync());
        var issued = JsonSerializer.Deserialize<CardIssued>(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal((cardId, CardOrigin.Join, "he"), (issued.CardId, issued.Origin, issued.Language));
    }
}
