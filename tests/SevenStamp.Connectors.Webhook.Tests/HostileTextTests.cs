using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.Webhook.Tests;

/// <summary>
/// A lone surrogate escape or bytes that are not UTF-8 inside a string of a signed body: 400 naming the field,
/// never an exception (the host would answer 500 and count it against the connector's circuit).
/// </summary>
public sealed class HostileTextTests
{
    private const string Secret = "0123456789abcdef-test-secret";

    private static WebhookRequest Signed(byte[] body) =>
        new("POST", new Dictionary<string, string> { ["X-SevenStamp-Signature"] = WebhookSignatures.ComputeHmacSha256(body, Encoding.UTF8.GetBytes(Secret), SignatureEncoding.Hex) }, body, DateTimeOffset.UnixEpoch);

    private static async Task<(WebhookResponse Response, RecordingSink Sink)> SendAsync(byte[] body)
    {
        var (task, sink) = ConnectorHarness.Create(new WebhookConnector(), new Dictionary<string, string?> { ["signingSecret"] = Secret });
        await using (task)
        {
            var response = await ((IWebhookReceiver)task).HandleWebhookAsync(Signed(body), CancellationToken.None);
            return (response, sink);
        }
    }

    private static string Sale(string code = "FREE-7K2P", string total = "\"4.20\"") =>
        $$"""{ "eventId": "evt-h1", "type": "sale.completed", "sale": { "id": "S-H1", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": {{total}}, "discounts": [ { "code": "{{code}}", "amount": 0 } ] } }""";

    [Theory]
    [InlineData("FREE-\\ud800", "sale.discounts[0].code")]
    [InlineData("\\udfffFREE", "sale.discounts[0].code")]
    public async Task HandleWebhook_LoneSurrogateInAString_IsRefusedNamingTheField(string code, string field)
    {
        // Act
        var (response, sink) = await SendAsync(Encoding.UTF8.GetBytes(Sale(code)));

        // Assert
        Assert.Equal((400, WebhookOutcome.Invalid), (response.StatusCode, response.Outcome));
        Assert.Contains(field + " is not valid text", response.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_InvalidUtf8InAnAmountWrittenAsText_IsRefusedNamingTheField()
    {
        // Arrange
        var text = Sale(total: "\"4.20\"");
        var at = text.IndexOf("4.20", StringComparison.Ordinal);
        byte[] body = [.. Encoding.UTF8.GetBytes(text[..at]), .. HostileText.InvalidUtf8, .. Encoding.UTF8.GetBytes(text[at..])];

        // Act
        var (response, sink) = await SendAsync(body);

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("sale.total is not valid text", response.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Records);
    }
}
