using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Accounts.Data;
using SevenStamp.Loyalty;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>What the host's e-mail hook was asked to send: which message, to whom, with which link.</summary>
public sealed class CapturingEmailSender : IEmailSender<AccountUser>
{
    public ConcurrentQueue<(string Kind, string To, string Link)> Sent { get; } = new();

    public Task SendConfirmationLinkAsync(AccountUser user, string email, string confirmationLink)
    {
        Sent.Enqueue(("invite", email, confirmationLink));
        return Task.CompletedTask;
    }

    public Task SendPasswordResetLinkAsync(AccountUser user, string email, string resetLink)
    {
        Sent.Enqueue(("reset", email, resetLink));
        return Task.CompletedTask;
    }

    public Task SendPasswordResetCodeAsync(AccountUser user, string email, string resetCode) => throw new InvalidOperationException("The accounts send links, not codes.");
}

/// <summary>Two merchants whose host sends e-mail through <see cref="CapturingEmailSender"/>.</summary>
public sealed class MailingMerchantsFixture : IAsyncLifetime
{
    public CapturingEmailSender Email { get; } = new();

    public TwoMerchants Merchants { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Merchants = await TwoMerchants.StartAsync(LoyaltyStoreProvider.Sqlite, services: s => s.AddSingleton<IEmailSender<AccountUser>>(Email));

    public async ValueTask DisposeAsync() => await Merchants.DisposeAsync();
}

/// <summary>Staff of some locations redeem only there; invite and reset links go through the e-mail hook when an address is known.</summary>
public sealed class StaffLocationsTests(MailingMerchantsFixture fixture) : IClassFixture<MailingMerchantsFixture>
{
    private TwoMerchants Merchants => fixture.Merchants;

    [Fact]
    public async Task StaffRedeem_StaffOfSomeLocations_RedeemsOnlyAtOneOfTheirs()
    {
        // Arrange: a staff person of the north till only, and a ready voucher of merchant A.
        var owner = Merchants.OfA["owner"];
        var invited = await owner.PostAsJsonAsync($"/api/merchants/{TwoMerchants.A}/people/invites", new { role = "Staff", locations = new[] { "till-north", " till-east " } });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        await Merchants.AcceptAsync(await TwoMerchants.TokenOfAsync(invited, "token"), "a-north-staff");
        var staff = await Merchants.SignInAsync("a-north-staff");
        using var card = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/{TwoMerchants.A}/cards/{Merchants.CardOfA}"));
        var code = card.RootElement.GetProperty("vouchers")[0].GetProperty("code").GetString()!;

        // Act
        var nowhere = await staff.PostAsJsonAsync("/api/staff/redeem", new { code });
        var elsewhere = await staff.PostAsJsonAsync("/api/staff/redeem", new { code, locationId = "till-south" });
        var atTheirs = await staff.PostAsJsonAsync("/api/staff/redeem", new { code, locationId = "till-east" });

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, nowhere.StatusCode);
        Assert.Contains("locationId", await nowhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.Contains("till-south", await elsewhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(atTheirs.StatusCode == HttpStatusCode.OK, $"At their location: {(int)atTheirs.StatusCode} {await atTheirs.Content.ReadAsStringAsync()}");
        using var people = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/{TwoMerchants.A}/people"));
        var person = people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "a-north-staff");
        Assert.Equal(["till-east", "till-north"], person.GetProperty("locations").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(JsonValueKind.Null, people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "merchant-a-staff").GetProperty("locations").ValueKind);
    }

    [Fact]
    public async Task Invite_LocationsForAManagerAndAnAddressThatIsNot_IsRefusedNamingBothFields()
    {
        // Act
        var response = await Merchants.OfA["owner"].PostAsJsonAsync($"/api/merchants/{TwoMerchants.A}/people/invites", new { role = "Manager", locations = new[] { "till-north" }, email = "not an address" });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Contains("staff only", errors.GetProperty("locations")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("e-mail address", errors.GetProperty("email")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invite_WithAnAddress_SendsAnAbsoluteLinkThatAcceptsAndLaterAResetLink()
    {
        // Arrange
        var owner = Merchants.OfA["owner"];

        // Act: invite by e-mail, accept with the token of the mailed link, then issue that person a reset link.
        var invited = await owner.PostAsJsonAsync($"/api/merchants/{TwoMerchants.A}/people/invites", new { role = "Manager", email = "new.manager@example.test" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var invite = Assert.Single(fixture.Email.Sent, m => m.Kind == "invite" && m.To == "new.manager@example.test");
        var link = new Uri(invite.Link);
        await Merchants.AcceptAsync(Uri.UnescapeDataString(link.AbsolutePath["/account/invite/".Length..]), "a-mailed-manager");
        using var people = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/{TwoMerchants.A}/people"));
        var userId = people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "a-mailed-manager").GetProperty("id").GetString();
        var reset = await owner.PostAsync($"/api/merchants/{TwoMerchants.A}/people/{userId}/password-reset", null);

        // Assert
        Assert.True(link.IsAbsoluteUri && link.AbsolutePath.StartsWith("/account/invite/", StringComparison.Ordinal), "The mailed invite link is not an absolute link to the invite page.");
        Assert.Equal(Merchants.Host.Client.BaseAddress!.Authority, link.Authority);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var mailedReset = Assert.Single(fixture.Email.Sent, m => m.Kind == "reset" && m.To == "new.manager@example.test");
        Assert.Equal(await TwoMerchants.TokenOfAsync(reset, "link"), new Uri(mailedReset.Link).PathAndQuery);
    }
}
