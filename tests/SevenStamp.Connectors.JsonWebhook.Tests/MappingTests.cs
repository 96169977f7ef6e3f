using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>A custom mapping: conversions, and bad input answered 4xx with the field named and nothing published.</summary>
public sealed class MappingTests
{
    private static async Task<(WebhookResponse Response, Harness Harness)> SendCustomAsync(string body, Dictionary<string, string?>? settings = null)
    {
        var harness = Harness.Create(settings ?? Samples.CustomSettings);
        var response = await harness.SendAsync(Samples.Custom(Encoding.UTF8.GetBytes(body)));
        return (response, harness);
    }

    private static string Sale(string totals = "\"paid_cents\": 560, \"currency\": \" eur \"", string closed = "\"2026-11-23 09:30:00\"", string positions = "[ { \"label\": \"Espresso\", \"qty\": \"2\", \"price_cents\": 280 } ]", string extra = "") =>
        $$"""{ "order": { "number": "K-1", "closed": {{closed}}, "kind": "sale", "totals": { {{totals}} }, "positions": {{positions}} {{extra}} } }""";

    private static async Task AssertRefusedAsync(string body, string mustName, Dictionary<string, string?>? settings = null)
    {
        var (response, harness) = await SendCustomAsync(body, settings);
        await using (harness)
        {
            Assert.True(response.StatusCode == 400, $"Expected 400, got {response.StatusCode} {response.Outcome}: {response.Message}");
            Assert.Contains(mustName, response.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", response.Message, StringComparison.Ordinal);
            Assert.Empty(harness.Sink.Records);
        }
    }

    [Theory]
    [InlineData("JPY", 560, 560)]
    [InlineData("EUR", 560, 5.60)]
    [InlineData("KWD", 5600, 5.6)]
    public async Task Map_MinorUnits_FollowTheCurrencyExponent(string currency, long cents, decimal expected)
    {
        var (response, harness) = await SendCustomAsync(Sale($"\"paid_cents\": {cents}, \"currency\": \"{currency}\""));
        await using (harness)
        {
            Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
            Assert.Equal(expected, Assert.Single(harness.Sink.Sales).Total);
        }
    }

    [Theory]
    [InlineData("unix-seconds", "1795426200")]
    [InlineData("unix-millis", "\"1795426200000\"")]
    [InlineData("iso8601", "\"2026-11-23T10:30:00+01:00\"")]
    [InlineData("iso8601", "\"2026-11-23T09:30:00.000+0000\"")]
    [InlineData("date:dd.MM.yyyy HH:mm", "\"23.11.2026 09:30\"")]
    public async Task Map_Timestamps_AreReadWithTheConfiguredConversion(string conversion, string value)
    {
        var mapping = Samples.CustomMapping.Replace("\"convert\": \"date:yyyy-MM-dd HH:mm:ss\"", $"\"convert\": \"{conversion}\"", StringComparison.Ordinal);
        var settings = Harness.With(Samples.CustomSettings, ("mapping", mapping));

        var (response, harness) = await SendCustomAsync(Sale(closed: value), settings);
        await using (harness)
        {
            Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
            Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero), Assert.Single(harness.Sink.Sales).OccurredAt);
        }
    }

    [Fact]
    public async Task Map_Return_BecomesARefundWithItsFullFlag()
    {
        const string body = """{ "order": { "number": "K-2", "original": "K-1", "kind": "return", "complete": true, "closed": "2026-11-23 10:00:00", "totals": { "paid_cents": -560, "currency": "EUR" } } }""";

        var (response, harness) = await SendCustomAsync(body);
        await using (harness)
        {
            Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
            var refund = Assert.Single(harness.Sink.Refunds);
            Assert.Equal(("K-2", "K-1", 5.60m, true), (refund.ExternalRefundId, refund.ExternalSaleId, refund.Amount, refund.IsFullRefund));
        }
    }

    [Fact]
    public Task Map_MissingRequiredField_IsNamed() =>
        AssertRefusedAsync("""{ "order": { "closed": "2026-11-23 09:30:00", "totals": { "paid_cents": 560, "currency": "EUR" } } }""", "saleId ($.order.number)");

    [Fact]
    public Task Map_PathThatMatchesNothing_IsNamed() =>
        AssertRefusedAsync("""{ "something": "else" }""", "currency ($.order.totals.currency) matched nothing in the body");

    [Theory]
    [InlineData("\"paid_cents\": -560, \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": \"NaN\", \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": \"Infinity\", \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": 1e40, \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": 99999999999999999, \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": 5.5, \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": { \"v\": 1 }, \"currency\": \"EUR\"", "total")]
    [InlineData("\"paid_cents\": 560, \"currency\": \"EURO\"", "currency")]
    [InlineData("\"paid_cents\": 560, \"currency\": 978", "currency")]
    public Task Map_WrongTypesAndImpossibleAmounts_AreRefusedNamingTheField(string totals, string field) =>
        AssertRefusedAsync(Sale(totals), field);

    [Theory]
    [InlineData("[ { \"label\": \"Espresso\", \"qty\": \"0\", \"price_cents\": 280 } ]", "lineItems[0]")]
    [InlineData("[ { \"label\": \"Espresso\", \"qty\": \"1\" } ]", "lineItems.unitPrice")]
    [InlineData("[ \"Espresso\" ]", "lineItems")]
    [InlineData("[ { \"qty\": 1, \"price_cents\": 280 } ]", "lineItems.name")]
    public Task Map_BadLineItems_AreRefusedNamingTheItem(string positions, string field) =>
        AssertRefusedAsync(Sale(positions: positions), field);

    [Fact]
    public Task Map_DateInTheWrongFormat_IsRefusedNamingTheField() =>
        AssertRefusedAsync(Sale(closed: "\"23/11/2026\""), "occurredAt");

    [Fact]
    public Task Map_DuplicateKeys_AreRefused() =>
        AssertRefusedAsync("""{ "order": { "number": "K-1", "number": "K-2" } }""", "not valid JSON");

    [Fact]
    public async Task Map_NestingUpToTheLimit_IsReadAndBeyondItRefused()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 62)) + "1" + new string('}', 62);
        var (ok, harness) = await SendCustomAsync(Sale(extra: ", \"deep\": " + deep));
        await using (harness)
        {
            Assert.Equal(WebhookOutcome.Accepted, ok.Outcome);
        }

        var tooDeep = string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000);
        await AssertRefusedAsync(Sale(extra: ", \"deep\": " + tooDeep), "nested at most 64");
    }

    [Fact]
    public async Task HandleWebhook_BodyOverTheConnectorLimit_IsRefusedBeforeAnythingIsRead()
    {
        var body = Sale(extra: ", \"pad\": \"" + new string('x', JsonWebhookTask.MaxBodyBytes) + "\"");

        await AssertRefusedAsync(body, "larger than");
    }

    [Fact]
    public async Task HandleWebhook_Refusals_NeverLogPayloadValuesOrContactData()
    {
        var body = Sale(totals: "\"paid_cents\": \"secret-looking-ana@example.com\", \"currency\": \"EUR\"", extra: ", \"client\": { \"e-mail\": \"ana@example.com\" }");

        var (response, harness) = await SendCustomAsync(body);
        await using (harness)
        {
            Assert.Equal(400, response.StatusCode);
            Assert.DoesNotContain("example.com", response.Message, StringComparison.Ordinal);
            Assert.NotEmpty(harness.Logger.Lines);
            Assert.All(harness.Logger.Lines, line => Assert.DoesNotContain("example.com", line, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task HandleWebhook_EventIdHeader_DedupesAndItsAbsenceIsNamed()
    {
        await using var harness = Harness.Create(Samples.CustomSettings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale);
        var otherSale = Encoding.UTF8.GetBytes(Samples.CustomSale.Replace("\"K-77\"", "\"K-78\"", StringComparison.Ordinal));
        var signed = Samples.Custom(body);
        var headers = new Dictionary<string, string>(signed.Headers);
        headers.Remove("X-Pos-Delivery");

        var missing = await harness.SendAsync(Samples.Request(body, headers));
        var first = await harness.SendAsync(Samples.Custom(body, deliveryId: "dlv-same"));
        var sameDeliveryOtherSale = await harness.SendAsync(Samples.Custom(otherSale, deliveryId: "dlv-same"));
        var otherDelivery = await harness.SendAsync(Samples.Custom(otherSale, deliveryId: "dlv-next"));

        Assert.Equal(400, missing.StatusCode);
        Assert.Contains("X-Pos-Delivery", missing.Message, StringComparison.Ordinal);
        Assert.Equal(WebhookOutcome.Accepted, first.Outcome);
        Assert.Equal((200, WebhookOutcome.Duplicate), (sameDeliveryOtherSale.StatusCode, sameDeliveryOtherSale.Outcome));
        Assert.Equal(WebhookOutcome.Accepted, otherDelivery.Outcome);
        Assert.Equal(["K-77", "K-78"], harness.Sink.Sales.Select(s => s.ExternalSaleId));
    }
}
