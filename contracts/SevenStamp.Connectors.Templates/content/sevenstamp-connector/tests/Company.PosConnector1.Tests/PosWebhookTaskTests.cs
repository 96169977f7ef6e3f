using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace Company.PosConnector1.Tests;

/// <summary>The connector's own behaviour beyond the compliance suite: add a test here for each rule of your POS.</summary>
public sealed class PosWebhookTaskTests
{
    private const string Secret = "a-test-signing-secret-0123456789";

    [Fact]
    public async Task HandleWebhook_AnEventThatIsNotASale_IsIgnoredAndPublishesNothing()
    {
        // Arrange
        var (task, sink) = ConnectorHarness.Create(new PosConnector(), new Dictionary<string, string?> { ["signingSecret"] = Secret });
        await using var running = task;
        var body = Encoding.UTF8.GetBytes("""{ "eventId": "evt-2001", "type": "customer.updated" }""");

        // Act
        var response = await ((IWebhookReceiver)task).HandleWebhookAsync(Signed(body), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(WebhookOutcome.Ignored, response.Outcome);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_SaleWithAnEmail_PublishesOnlyItsHash()
    {
        // Arrange
        var (task, sink) = ConnectorHarness.Create(new PosConnector(), new Dictionary<string, string?> { ["signingSecret"] = Secret });
        await using var running = task;
        var body = Encoding.UTF8.GetBytes(PosSamples.SaleJson.Replace("\"customerId\": \"c-42\"", "\"email\": \"Ana@Example.com\"", StringComparison.Ordinal));

        // Act
        var response = await ((IWebhookReceiver)task).HandleWebhookAsync(Signed(body), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        var sale = Assert.Single(sink.Sales);
        Assert.Equal(CustomerHash.Email("ana@example.com"), sale.Customer.EmailHash);
        Assert.Null(sale.Customer.PosCustomerId);
    }

    private static WebhookRequest Signed(byte[] body) =>
        new("POST", new Dictionary<string, string> { [PosConnector.SignatureHeader] = WebhookSignatures.ComputeHmacSha256(body, Encoding.UTF8.GetBytes(Secret), SignatureEncoding.Hex) }, body, DateTimeOffset.UnixEpoch);
}
