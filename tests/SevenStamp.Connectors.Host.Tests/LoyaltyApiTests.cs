using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>A real host with the management API switched on, two merchants and a webhook connector each.</summary>
public sealed class ApiHostFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789abcdefghij";
    public const string Secret = "api-shop-secret-0123456789";

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await RunningHost.StartAsync(
            """
            { "connectors": [
                { "id": "code-shop", "plugin": "generic-webhook", "merchantId": "code-cafe", "settings": { "signingSecret": "api-shop-secret-0123456789" } },
                { "id": "self-shop", "plugin": "generic-webhook", "merchantId": "self-cafe", "settings": { "signingSecret": "api-shop-secret-0123456789" } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Vouchers:LinkSecret"] = "test-link-secret-0123456789abcdefghij",
                ["SevenStamp:Programs:1:MerchantId"] = "code-cafe",
                ["SevenStamp:Programs:1:Name"] = "Code card",
                ["SevenStamp:Programs:1:Reward"] = "A free cake",
                ["SevenStamp:Programs:1:StampGoal"] = "1",
                ["SevenStamp:Programs:1:CodePrefix"] = "CC-",
                ["SevenStamp:Programs:2:MerchantId"] = "self-cafe",
                ["SevenStamp:Programs:2:Name"] = "Self card",
                ["SevenStamp:Programs:2:Reward"] = "A free tea",
                ["SevenStamp:Programs:2:StampGoal"] = "1",
                ["SevenStamp:Programs:2:RedemptionPath"] = "SelfRedeem",
            });
        Host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class LoyaltyApiTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task LoyaltyApi_AnyRequest_WantsTheAdminKey()
    {
        using var anonymous = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/merchants/code-cafe/program")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/connectors")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/plugins")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.GetAsync("/connectors")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/merchants/code-cafe/program")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.GetAsync("/api/merchants/code-cafe/program")).StatusCode);
    }

    [Fact]
    public async Task PutProgram_InvalidThenValidProgram_IsValidatedFieldByFieldThenStored()
    {
        var bad = await Host.Client.PutAsync("/api/merchants/new-cafe/program", Json("""{ "name": "", "stampGoal": 0, "earningRule": "PerAmount", "codePrefix": "a b" }"""));
        var wrongType = await Host.Client.PutAsync("/api/merchants/new-cafe/program", Json("""{ "name": "X", "earningRule": "Sometimes" }"""));
        var good = await Host.Client.PutAsync("/api/merchants/new-cafe/program", Json("""{ "name": "Bagel card", "reward": "A free bagel", "stampGoal": 8, "earningRule": "PerItem", "qualifyingItems": ["Bakery"] }"""));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await JsonDocument.ParseAsync(await bad.Content.ReadAsStreamAsync())).RootElement.GetProperty("errors");
        Assert.Equal(["amountPerStamp", "codePrefix", "name", "reward", "stampGoal"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("earningRule", await wrongType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        using var stored = await JsonDocument.ParseAsync(await (await Host.Client.GetAsync("/api/merchants/new-cafe/program")).Content.ReadAsStreamAsync());
        Assert.Equal(("Bagel card", 8, "PerItem"), (stored.RootElement.GetProperty("name").GetString(), stored.RootElement.GetProperty("stampGoal").GetInt32(), stored.RootElement.GetProperty("earningRule").GetString()));
    }

    [Fact]
    public async Task Cards_EnrolledCard_IsFoundByItsIdsAndCollectsTheStampsOfALinkedPosCustomer()
    {
        var card = await EnrollAsync("code-cafe", "CARD-LINK-1");
        var again = await EnrollAsync("code-cafe", "CARD-LINK-1");
        var link = await Host.Client.PostAsJsonAsync($"/api/merchants/code-cafe/cards/{card}/links", new { connectorId = "code-shop", posCustomerId = "pos-77" });
        var other = await EnrollAsync("code-cafe", "CARD-LINK-2");
        var conflict = await Host.Client.PostAsJsonAsync($"/api/merchants/code-cafe/cards/{other}/links", new { connectorId = "code-shop", posCustomerId = "pos-77" });

        Assert.Equal(card, again);
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Host.PostWebhookAsync("code-shop", RunningHost.SaleJson("evt-link-1", "S-LINK-1", "pos-77"), ApiHostFixture.Secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => (await CardAsync($"/api/merchants/code-cafe/cards?loyaltyCardId=CARD-LINK-1")).GetProperty("totalStamps").GetInt32() == 1, TimeSpan.FromSeconds(20)));
        var byPos = await CardAsync("/api/merchants/code-cafe/cards?connectorId=code-shop&posCustomerId=pos-77");
        Assert.Equal(card, byPos.GetProperty("cardId").GetGuid());
        Assert.Equal(1, byPos.GetProperty("vouchers").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync("/api/merchants/code-cafe/cards?loyaltyCardId=NOBODY")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Host.Client.GetAsync("/api/merchants/code-cafe/cards")).StatusCode);
    }

    [Fact]
    public async Task CardWalletLink_WithoutTheAdminKey_ShowsTheCustomerTheirStampsAndAForgedOneShowsNothing()
    {
        var card = await EnrollAsync("code-cafe", "CARD-WALLET-1");
        var walletLink = (await CardAsync($"/api/merchants/code-cafe/cards/{card}")).GetProperty("walletLink").GetString()!;
        Assert.StartsWith($"/wallet/cards/{card:N}/", walletLink, StringComparison.Ordinal);

        using var customer = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        using (var page = await JsonDocument.ParseAsync(await customer.GetStreamAsync(new Uri(walletLink, UriKind.Relative))))
        {
            Assert.Equal((0, 1), (page.RootElement.GetProperty("stamps").GetInt32(), page.RootElement.GetProperty("goal").GetInt32()));
        }

        var forged = walletLink[..walletLink.LastIndexOf('/')] + "/" + new string('A', 43);
        Assert.Equal(HttpStatusCode.NotFound, (await customer.GetAsync(new Uri(forged, UriKind.Relative))).StatusCode);
        var otherCard = await EnrollAsync("code-cafe", "CARD-WALLET-2");
        var swapped = $"/wallet/cards/{otherCard:N}/" + walletLink[(walletLink.LastIndexOf('/') + 1)..];
        Assert.Equal(HttpStatusCode.NotFound, (await customer.GetAsync(new Uri(swapped, UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task StaffRedeem_VoucherScannedAgain_RedeemsOnceAndTellsWhatHappenedAfter()
    {
        var (_, code) = await VoucherAsync("code-cafe", "code-shop", "CARD-STAFF-1");
        var token = await StaffTokenAsync("code-cafe", "anna");

        var first = await StaffRedeemAsync(token, code.ToLowerInvariant());
        var second = await StaffRedeemAsync(token, code);
        var unknown = await StaffRedeemAsync(token, "CC-NOSUCH99");
        var badToken = await StaffRedeemAsync("not-a-token", code);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("RedeemedNow", await OutcomeAsync(first));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var secondBody = await second.Content.ReadAsStringAsync();
        Assert.Contains("\"outcome\":\"AlreadyRedeemed\"", secondBody, StringComparison.Ordinal);
        Assert.Contains("by staff member anna", secondBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
    }

    [Fact]
    public async Task StaffRedeem_VoidedVoucher_IsRefusedAndItsHistoryTellsTheStory()
    {
        var (voucher, code) = await VoucherAsync("code-cafe", "code-shop", "CARD-VOID-1");
        var id = voucher.GetProperty("id").GetGuid();
        var token = await StaffTokenAsync("code-cafe", "manager");

        var voided = await Host.Client.PostAsJsonAsync($"/api/merchants/code-cafe/vouchers/{id}/void", new { reason = "issued in error" });
        var again = await Host.Client.PostAsJsonAsync($"/api/merchants/code-cafe/vouchers/{id}/void", new { reason = "twice" });
        var scan = await StaffRedeemAsync(token, code);
        var detail = await CardAsync($"/api/merchants/code-cafe/vouchers/{id}");

        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, scan.StatusCode);
        Assert.Equal("Voided", await OutcomeAsync(scan));
        Assert.Equal(["Issued", "Voided"], detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString()));
        Assert.Equal("issued in error", detail.GetProperty("history")[1].GetProperty("note").GetString());
    }

    [Fact]
    public async Task StaffRedeem_TwentyConcurrentScansOfOneVoucher_RedeemItExactlyOnce()
    {
        var (_, code) = await VoucherAsync("code-cafe", "code-shop", "CARD-RACE-1");
        var token = await StaffTokenAsync("code-cafe", "till-2");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => StaffRedeemAsync(token, code)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task StaffToken_Revoked_NoLongerWorks()
    {
        var token = await StaffTokenAsync("code-cafe", "leaver");

        Assert.Equal(HttpStatusCode.NoContent, (await Host.Client.DeleteAsync("/api/merchants/code-cafe/staff/leaver")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await StaffRedeemAsync(token, "CC-ANYTHING")).StatusCode);
    }

    [Fact]
    public async Task SelfRedeem_FromTheCustomersOwnLink_RedeemsOnceAndAForgedLinkFindsNothing()
    {
        var (voucher, _) = await VoucherAsync("self-cafe", "self-shop", "CARD-SELF-1");
        using var customer = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        var link = voucher.GetProperty("link").GetString()!;

        var show = await customer.GetAsync(link);
        var forged = await customer.PostAsync(link[..^4] + "AAAA/redeem", null);
        var first = await customer.PostAsync(link + "/redeem", null);
        var second = await customer.PostAsync(link + "/redeem", null);

        Assert.Equal(HttpStatusCode.OK, show.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("AlreadyRedeemed", await OutcomeAsync(second));
    }

    [Fact]
    public async Task SelfRedeem_ProgramRedeemsByCode_IsRefused()
    {
        var (voucher, _) = await VoucherAsync("code-cafe", "code-shop", "CARD-NOSELF-1");
        using var customer = new HttpClient { BaseAddress = Host.Client.BaseAddress };

        var answer = await customer.PostAsync(voucher.GetProperty("link").GetString() + "/redeem", null);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
    }

    [Fact]
    public async Task PoolCodeImport_CsvAndJson_ImportsThemAndNamesABadLine()
    {
        await Host.Client.PutAsync("/api/merchants/pool-cafe/program", Json("""{ "name": "Pool card", "reward": "A free muffin", "stampGoal": 5, "codeSource": "Pool" }"""));

        var csv = await Host.Client.PostAsync("/api/merchants/pool-cafe/program/pool", new StringContent("\uFEFFname;code\r\nSpring;\"SQ-1\"\r\nSummer;SQ-2\r\n\r\n", Encoding.UTF8, "text/csv"));
        var json = await Host.Client.PostAsync("/api/merchants/pool-cafe/program/pool", Json("""{ "codes": ["sq-2", "SQ-3"] }"""));
        var bad = await Host.Client.PostAsync("/api/merchants/pool-cafe/program/pool", new StringContent("code\nSQ-4\n\"" + new string('X', 70) + "\"\n", Encoding.UTF8, "text/csv"));
        var noProgram = await Host.Client.PostAsync("/api/merchants/nobody/program/pool", new StringContent("SQ-9", Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal((2, 2), await ImportedAsync(csv));
        Assert.Equal((2, 1), await ImportedAsync(json));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("line 3", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noProgram.StatusCode);
    }

    [Fact]
    public async Task Readiness_AllConnectorsRunning_IsReady()
    {
        var ready = await Host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"connectors\":{\"status\":\"Healthy\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheApi()
    {
        var document = await Host.Client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/staff/redeem", document, StringComparison.Ordinal);
        Assert.Contains("/api/merchants/{merchantId}/program", document, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<Guid> EnrollAsync(string merchantId, string loyaltyCardId)
    {
        var response = await Host.Client.PostAsJsonAsync($"/api/merchants/{merchantId}/cards", new { loyaltyCardId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var card = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return card.RootElement.GetProperty("cardId").GetGuid();
    }

    private async Task<JsonElement> CardAsync(string path)
    {
        using var document = await JsonDocument.ParseAsync(await (await Host.Client.GetAsync(path)).Content.ReadAsStreamAsync());
        return document.RootElement.Clone();
    }

    /// <summary>Enrols a card and sends it one sale through the merchant's webhook (goal 1): returns its voucher and code.</summary>
    private async Task<(JsonElement Voucher, string Code)> VoucherAsync(string merchantId, string connectorId, string loyaltyCardId)
    {
        var card = await EnrollAsync(merchantId, loyaltyCardId);
        var body = $$"""{ "eventId": "evt-{{loyaltyCardId}}", "type": "sale.completed", "sale": { "id": "S-{{loyaltyCardId}}", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "loyaltyCardId": "{{loyaltyCardId}}" }, "currency": "EUR", "total": 3.5 } }""";
        Assert.Equal(HttpStatusCode.OK, (await Host.PostWebhookAsync(connectorId, body, ApiHostFixture.Secret)).StatusCode);
        JsonElement view = default;
        Assert.True(await Eventually.HoldsAsync(async () => (view = await CardAsync($"/api/merchants/{merchantId}/cards/{card}")).GetProperty("vouchers").GetArrayLength() == 1, TimeSpan.FromSeconds(20)), "No voucher was minted.");
        var voucher = view.GetProperty("vouchers")[0];
        return (voucher, voucher.GetProperty("code").GetString()!);
    }

    private async Task<string> StaffTokenAsync(string merchantId, string staffId)
    {
        var response = await Host.Client.PostAsJsonAsync($"/api/merchants/{merchantId}/staff", new { staffId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private async Task<HttpResponseMessage> StaffRedeemAsync(string token, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/staff/redeem") { Content = JsonContent.Create(new { code }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var client = new HttpClient { BaseAddress = Host.Client.BaseAddress };
        return await client.SendAsync(request);
    }

    private static async Task<string> OutcomeAsync(HttpResponseMessage response)
    {
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return body.RootElement.GetProperty("outcome").GetString()!;
    }

    private static async Task<(int Received, int Added)> ImportedAsync(HttpResponseMessage response)
    {
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return (body.RootElement.GetProperty("received").GetInt32(), body.RootElement.GetProperty("added").GetInt32());
    }
}
