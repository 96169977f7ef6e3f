using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>
/// Text that is not text (a lone surrogate escape such as <c>\ud800</c>, or bytes that are not UTF-8) in a signed
/// webhook or in Square's answer: a 4xx naming the field, or for an order Square answers with, 2xx ignored (the
/// catch-up skips such an order too), never an exception the host would answer 500.
/// </summary>
public sealed class HostileTextTests : IAsyncLifetime
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
    public async Task HandleWebhook_OrderSquareAnswersWithTextThatIsNotText_IsIgnoredAndLoggedOnce()
    {
        // Arrange: an item name cut in the middle of an emoji, as a lone surrogate escape; the catch-up skips such an order too.
        _square.PutOrder(SquarePayloads.Order("ORD-CUT").Replace("\"name\": \"Latte\"", "\"name\": \"Latte \\ud83d\"", StringComparison.Ordinal));
        var body = SquarePayloads.PaymentEvent("evt-cut", "payment.updated", "PAYCUT1", "COMPLETED", "ORD-CUT");

        // Act
        var first = await _harness.SendAsync(body);
        var redelivered = await _harness.SendAsync(body);

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, first);
        Assert.Contains("order.line_items[0].name", first.Message, StringComparison.Ordinal);
        AssertOutcome(WebhookOutcome.Duplicate, redelivered);
        Assert.Single(LinesWithEvent(4110));
        Assert.Empty(_harness.Sink.Records);
    }

    [Theory]
    [InlineData("\"order_id\": \"ORD-1\"", "\"order_id\": \"ORD-\\udc00\"", "data.object.payment.order_id")]
    [InlineData("\"event_id\": \"evt-h1\"", "\"event_id\": \"evt\\ud800\"", "event_id")]
    [InlineData("\"status\": \"COMPLETED\"", "\"status\": \"COMP\\ud800LETED\"", "data.object.payment.status")]
    public async Task HandleWebhook_LoneSurrogateInAFieldItReads_IsRefusedNamingTheField(string find, string replace, string field)
    {
        // Arrange
        var body = SquarePayloads.PaymentEvent("evt-h1", "payment.updated", "PAYH100", "COMPLETED", "ORD-1").Replace(find, replace, StringComparison.Ordinal);
        Assert.Contains(replace, body, StringComparison.Ordinal);

        // Act
        var response = await _harness.SendAsync(body);

        // Assert
        AssertOutcome(WebhookOutcome.Invalid, response);
        Assert.Contains(field + " is not valid text", response.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_InvalidUtf8InAFieldItReads_IsRefusedNamingTheField()
    {
        // Arrange
        var text = SquarePayloads.PaymentEvent("evt-h2", "payment.updated", "PAYH200", "COMPLETED", "ORD-1");
        var at = text.IndexOf("L8GH2TQ4V1K9B", StringComparison.Ordinal);
        byte[] body = [.. Encoding.UTF8.GetBytes(text[..at]), .. HostileText.InvalidUtf8, .. Encoding.UTF8.GetBytes(text[at..])];
        var request = new WebhookRequest("POST", new Dictionary<string, string> { [SquareSignature.HeaderName] = SquareSignature.Compute(SquareHarness.NotificationUrl, body, SquareHarness.SignatureKey) }, body, DateTimeOffset.UnixEpoch);

        // Act
        var response = await _harness.Receiver.HandleWebhookAsync(request, CancellationToken.None);

        // Assert
        AssertOutcome(WebhookOutcome.Invalid, response);
        Assert.Contains("data.object.payment.location_id is not valid text", response.Message, StringComparison.Ordinal);
    }
}
