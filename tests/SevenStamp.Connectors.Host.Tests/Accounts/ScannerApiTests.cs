using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>
/// The counter scanner's API (<c>POST /api/staff/scan</c>, <c>POST /api/staff/stamp</c>) as staff and tills call it:
/// each merchant's staff reach only their own cards and codes, bad input is named by field, the kiosk stamps a card
/// once per interval, and every change is audited with the staff account and the location.
/// </summary>
public sealed class ScannerApiTests(TwoMerchantsFixture fixture) : IClassFixture<TwoMerchantsFixture>
{
    private TwoMerchants Merchants => fixture.Merchants;

    [Fact]
    public async Task StampAndScan_StaffOfBOnAsCardAndCode_Answer404AndChangeNothing()
    {
        // Arrange
        var staffOfB = await Merchants.SignInAsync($"{TwoMerchants.B}-staff");
        var before = await StampsOfAsync(Merchants.CardOfA);
        using var cardOfA = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync($"/api/merchants/{TwoMerchants.A}/cards/{Merchants.CardOfA}"));
        var codeOfA = cardOfA.RootElement.GetProperty("vouchers")[0].GetProperty("code").GetString();

        // Act
        var stamp = await staffOfB.PostAsJsonAsync("/api/staff/stamp", new { cardId = Merchants.CardOfA });
        var scanCard = await staffOfB.PostAsJsonAsync("/api/staff/scan", new { code = Merchants.CardOfA, mode = "autopilot" });
        var scanCode = await staffOfB.PostAsJsonAsync("/api/staff/scan", new { code = codeOfA });
        var kiosk = await staffOfB.PostAsJsonAsync("/api/staff/scan", new { code = Merchants.CardOfA, mode = "kiosk" });

        // Assert
        Assert.Equal(
            (HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
            (stamp.StatusCode, scanCard.StatusCode, scanCode.StatusCode, kiosk.StatusCode));
        Assert.Equal("Unknown", await OutcomeAsync(stamp));
        Assert.Equal(before, await StampsOfAsync(Merchants.CardOfA));
        using var after = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync($"/api/merchants/{TwoMerchants.A}/cards/{Merchants.CardOfA}"));
        Assert.Equal("Issued", after.RootElement.GetProperty("vouchers")[0].GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("/api/staff/scan", """{"code": ""}""", "code")]
    [InlineData("/api/staff/scan", """{"mode": "autopilot"}""", "code")]
    [InlineData("/api/staff/scan", """{"code": "AA-ANY", "mode": "fast"}""", "mode")]
    [InlineData("/api/staff/scan", """{"code": "AA-ANY", "locationId": "till\u0001"}""", "locationId")]
    [InlineData("/api/staff/stamp", """{"cardId": "not-a-card"}""", "cardId")]
    [InlineData("/api/staff/stamp", """{}""", "cardId")]
    public async Task ScanAndStamp_BadBody_Answer400NamingTheField(string path, string body, string field)
    {
        // Act
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await Merchants.OfA["staff-token"].PostAsync(path, content);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"No error for {field}: {problem.RootElement}");
    }

    [Fact]
    public async Task Scan_KioskTwiceWithinTheInterval_StampsThenAnswers409WithTheNextStampAnHourLater()
    {
        // Arrange
        var card = await NewCardOfAAsync("KIOSK-API-1");
        var till = Merchants.OfA["staff-token"];
        var start = DateTimeOffset.UtcNow;

        // Act
        var first = await till.PostAsJsonAsync("/api/staff/scan", new { code = card, mode = "kiosk" });
        var second = await till.PostAsJsonAsync("/api/staff/scan", new { code = card, mode = "kiosk" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("Stamped", await OutcomeAsync(first));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        using var refused = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal("TooSoon", refused.RootElement.GetProperty("outcome").GetString());
        var next = refused.RootElement.GetProperty("nextStampAt").GetDateTimeOffset();
        Assert.InRange(next, start.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal(1, await StampsOfAsync(card));
    }

    [Fact]
    public async Task Scan_CardThenItsVoucherTwice_StampsRedeemsRefusesAndAuditsTheStaffAndLocation()
    {
        // Arrange: A's goal is one stamp, so the stamp mints the voucher.
        var card = await NewCardOfAAsync("COUNTER-API-1");
        var staff = Merchants.OfA["staff"];

        // Act
        var stamped = await staff.PostAsJsonAsync("/api/staff/scan", new { code = card, mode = "autopilot", locationId = "till-9" });
        using var stampBody = JsonDocument.Parse(await stamped.Content.ReadAsStringAsync());
        var code = stampBody.RootElement.GetProperty("card").GetProperty("ready")[0].GetProperty("code").GetString();
        var redeemed = await staff.PostAsJsonAsync("/api/staff/scan", new { code, locationId = "till-9" });
        var again = await staff.PostAsJsonAsync("/api/staff/scan", new { code, locationId = "till-9" });
        using var audit = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync($"/api/merchants/{TwoMerchants.A}/audit?actor={TwoMerchants.A}-staff"));

        // Assert
        Assert.Equal((HttpStatusCode.OK, 1), (stamped.StatusCode, stampBody.RootElement.GetProperty("card").GetProperty("vouchersIssued").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        Assert.Equal("Redeemed", await OutcomeAsync(redeemed));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var againBody = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.Equal("AlreadyRedeemed", againBody.RootElement.GetProperty("outcome").GetString());
        Assert.Contains($"by staff member {TwoMerchants.A}-staff", againBody.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        var entries = audit.RootElement.EnumerateArray().Select(e => (Kind: e.GetProperty("kind").GetString(), Subject: e.GetProperty("subject").GetString(), After: e.GetProperty("after").GetString() ?? string.Empty)).ToList();
        Assert.Contains(entries, e => e.Kind == "card.stamped" && e.Subject == $"card {card}" && e.After.Contains("at location till-9", StringComparison.Ordinal));
        Assert.Single(entries, e => e.Kind == "voucher.redeemed" && e.After == "RedeemedNow at location till-9");
        Assert.Single(entries, e => e.Kind == "counter.refused" && e.Subject!.StartsWith("voucher ", StringComparison.Ordinal) && e.After == "AlreadyRedeemed at location till-9");
    }

    [Fact]
    public async Task Stamp_ManualConfirmOfTheCardsQrContent_AddsOneStamp()
    {
        // Arrange
        var card = await NewCardOfAAsync("COUNTER-API-2");
        var shown = await Merchants.OfA["key"].PostAsJsonAsync("/api/staff/scan", new { code = Guid.Parse(card).ToString("N") });
        var afterShown = await StampsOfAsync(card);

        // Act
        var stamped = await Merchants.OfA["key"].PostAsJsonAsync("/api/staff/stamp", new { code = Guid.Parse(card).ToString("N") });

        // Assert
        Assert.Equal((HttpStatusCode.OK, "CardFound", 0), (shown.StatusCode, await OutcomeAsync(shown), afterShown));
        Assert.Equal(HttpStatusCode.OK, stamped.StatusCode);
        Assert.Equal("Stamped", await OutcomeAsync(stamped));
        Assert.Equal(1, await StampsOfAsync(card));
    }

    [Fact]
    public async Task Scan_Operator_IsRefusedAsOfNoMerchant()
    {
        // Act
        var response = await Merchants.Operator.PostAsJsonAsync("/api/staff/scan", new { code = Merchants.CardOfA });

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<string> NewCardOfAAsync(string loyaltyCardId)
    {
        var enrolled = await Merchants.OfA["owner"].PostAsJsonAsync($"/api/merchants/{TwoMerchants.A}/cards", new { loyaltyCardId });
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, await enrolled.Content.ReadAsStringAsync());
        return await TwoMerchants.TokenOfAsync(enrolled, "cardId");
    }

    private async Task<int> StampsOfAsync(string card)
    {
        using var view = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync($"/api/merchants/{TwoMerchants.A}/cards/{card}"));
        return view.RootElement.GetProperty("totalStamps").GetInt32();
    }

    private static async Task<string?> OutcomeAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("outcome").GetString();
    }
}
