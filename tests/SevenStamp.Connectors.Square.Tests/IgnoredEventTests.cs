using SevenStamp.Connectors.Sdk;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>
/// Authentic events that cannot become a sale: answered 2xx <c>ignored</c> with the reason, because Square retries
/// a failed delivery and disables an endpoint that keeps failing. 503 stays for Square's API being unreachable,
/// failing (5xx) or throttling (429), when a later delivery can succeed.
/// </summary>
public sealed class IgnoredEventTests : IAsyncLifetime
{
    private FakeSquareServer _square = null!;
    private SquareHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        _harness = SquareHarness.Create(_square);
    }

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _square.DisposeAsync();
    }

    private static void AssertOutcome(WebhookOutcome expected, WebhookResponse response) =>
        Assert.True(response.Outcome == expected, $"Expected {expected}, got {response.Outcome} ({response.StatusCode}): {response.Message}");

    private IReadOnlyList<string> LinesWithEvent(int eventId) => [.. _harness.Logger.Lines.Where(l => l.Contains($" {eventId} ", StringComparison.Ordinal))];

    [Fact]
    public async Task HandleWebhook_PaymentWhoseOrderDoesNotExist_IsIgnoredAndLoggedOnce()
    {
        // Arrange: what the Developer Console's test event sends: a completed payment naming an order that is not there.
        var body = SquarePayloads.PaymentEvent("evt-404", "payment.created", "PAY4040", "COMPLETED", "ORD-NOT-THERE");

        // Act
        var first = await _harness.SendAsync(body);
        var redelivered = await _harness.SendAsync(body);

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, first);
        Assert.Equal(200, first.StatusCode);
        Assert.Contains("ORD-NOT-THERE", first.Message, StringComparison.Ordinal);
        AssertOutcome(WebhookOutcome.Duplicate, redelivered);
        Assert.Single(LinesWithEvent(4109));
        Assert.Single(_square.RequestsTo("/v2/orders/ORD-NOT-THERE"));
        Assert.Empty(_harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_RefundWhoseOrderDoesNotExist_IsIgnored()
    {
        // Arrange
        var body = SquarePayloads.RefundEvent("evt-r404", "refund.updated", "RF404_x", "COMPLETED", "ORD-GONE", 300);

        // Act
        var response = await _harness.SendAsync(body);

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("ORD-GONE", response.Message, StringComparison.Ordinal);
        Assert.True(await _harness.Store.IsSeenAsync("evt-r404", CancellationToken.None));
        Assert.Empty(_harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_RefundWhoseReturnOrderNamesAMissingSale_IsIgnored()
    {
        // Arrange: the return order exists; the sale it names does not.
        _square.PutOrder("""
            { "id": "RET-9", "location_id": "L8GH2TQ4V1K9B", "state": "COMPLETED", "version": 1,
              "returns": [ { "uid": "ret-1", "source_order_id": "ORD-VANISHED" } ],
              "total_money": { "amount": 0, "currency": "EUR" },
              "created_at": "2026-11-24T14:02:41.000Z", "updated_at": "2026-11-24T14:05:16.000Z", "closed_at": "2026-11-24T14:05:16.000Z" }
            """);

        // Act
        var response = await _harness.SendAsync(SquarePayloads.RefundEvent("evt-r405", "refund.updated", "RF405_x", "COMPLETED", "RET-9", 300));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("ORD-VANISHED", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleWebhook_Api404ThatIsNotSquaresNotFound_Gets503()
    {
        // Arrange: a base URL that points at the wrong place answers 404 for every order; that is not "no such order".
        await using var misrouted = SquareHarness.Create(_square, v => v["baseUrl"] = _square.BaseUrl + "wrong-prefix/");

        // Act
        var response = await misrouted.SendAsync(SquarePayloads.PaymentEvent("evt-mis", "payment.updated", "PAYMIS1", "COMPLETED", "ORD-1"));

        // Assert
        AssertOutcome(WebhookOutcome.Unavailable, response);
        Assert.Equal(503, response.StatusCode);
        Assert.False(await misrouted.Store.IsSeenAsync("evt-mis", CancellationToken.None));
    }

    [Fact]
    public async Task HandleWebhook_SquareKeepsThrottling_Gets503()
    {
        // Arrange
        _square.PutOrder(SquarePayloads.Order("ORD-429"));
        _square.FailNext(429, 429, 429, 429);

        // Act
        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-429", "payment.updated", "PAY4290", "COMPLETED", "ORD-429"));

        // Assert
        AssertOutcome(WebhookOutcome.Unavailable, response);
        Assert.False(await _harness.Store.IsSeenAsync("evt-429", CancellationToken.None));
    }

    public static TheoryData<string, string> NotSaleEvents => new()
    {
        // Square's v1 webhooks and their test notification carry no event_id.
        { "v1 test notification", """{ "merchant_id": "MLQW8ZK2E4R7T", "location_id": "L8GH2TQ4V1K9B", "event_type": "TEST_NOTIFICATION", "entity_id": "abc" }""" },
        { "no event_id", """{ "merchant_id": "MLQW8ZK2E4R7T", "type": "payment.updated", "created_at": "2026-11-23T09:30:06.201Z", "data": { "type": "payment", "id": "P1", "object": { "payment": { "id": "P1", "status": "COMPLETED", "order_id": "ORD-1" } } } }""" },
        { "event_id null", """{ "type": "payment.updated", "event_id": null, "data": { "object": { "payment": { "id": "P1", "status": "COMPLETED" } } } }""" },
        { "event_id a number", """{ "type": "payment.updated", "event_id": 17, "data": { "object": { "payment": { "id": "P1", "status": "COMPLETED" } } } }""" },
        { "no type", """{ "event_id": "evt-n1", "data": {} }""" },
        { "type not a text", """{ "event_id": "evt-n2", "type": 5, "data": {} }""" },
        { "unknown type", """{ "event_id": "evt-n3", "type": "labor.shift.created", "data": { "object": { "shift": {} } } }""" },
        { "no data", """{ "event_id": "evt-n4", "type": "payment.updated" }""" },
        { "data null", """{ "event_id": "evt-n5", "type": "payment.updated", "data": null }""" },
        { "data not an object", """{ "event_id": "evt-n6", "type": "refund.updated", "data": "refund" }""" },
        { "no data.object", """{ "event_id": "evt-n7", "type": "order.updated", "data": { "type": "order", "id": "O1" } }""" },
        { "no payment in data.object", """{ "event_id": "evt-n8", "type": "payment.created", "data": { "object": {} } }""" },
        { "a JSON array", "[1, 2]" },
        { "a JSON string", "\"payment.updated\"" },
        { "an empty object", "{}" },
    };

    [Theory]
    [MemberData(nameof(NotSaleEvents))]
    public async Task HandleWebhook_SignedBodyThatIsNotASaleEvent_IsIgnoredNever4xx(string name, string body)
    {
        // Act
        var response = await _harness.SendAsync(body);

        // Assert
        Assert.True(response.StatusCode == 200 && response.Outcome == WebhookOutcome.Ignored, $"{name}: got {response.StatusCode} {response.Outcome}: {response.Message}");
        Assert.False(string.IsNullOrWhiteSpace(response.Message));
        Assert.Empty(_harness.Sink.Records);
        Assert.Empty(_square.Requests);
    }

    [Fact]
    public async Task HandleWebhook_NotSaleEventWithAnEventId_IsMarkedSeen()
    {
        // Act
        await _harness.SendAsync("""{ "event_id": "evt-n9", "type": "payment.updated" }""");
        var again = await _harness.SendAsync("""{ "event_id": "evt-n9", "type": "payment.updated" }""");

        // Assert
        AssertOutcome(WebhookOutcome.Duplicate, again);
    }

    [Fact]
    public async Task HandleWebhook_BodyThatIsNotJson_Stays400()
    {
        // Act
        var response = await _harness.SendAsync("event_id=evt-1&type=payment.updated");

        // Assert
        AssertOutcome(WebhookOutcome.Invalid, response);
        Assert.Equal(400, response.StatusCode);
    }

    [Fact]
    public async Task HandleWebhook_BadSignature_Stays401()
    {
        // Act
        var response = await _harness.Receiver.HandleWebhookAsync(SquareHarness.Signed("""{ "event_type": "TEST_NOTIFICATION" }""", "sqwh-wrong-key"), CancellationToken.None);

        // Assert
        Assert.Equal(401, response.StatusCode);
    }
}
