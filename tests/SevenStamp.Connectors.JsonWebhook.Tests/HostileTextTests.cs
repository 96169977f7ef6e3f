using System.Security.Cryptography;
using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>
/// Text that is not text: a lone surrogate escape (<c>\ud800</c>) or bytes that are not UTF-8 inside a JSON string.
/// Each is refused with a 4xx naming the field, never an exception (which the host answers 500 and counts against
/// the connector's circuit).
/// </summary>
public sealed class HostileTextTests
{
    private static readonly byte[] NotUtf8 = [0xC3, 0x28, 0xFF];

    private static byte[] Splice(string before, byte[] middle, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    private static void AssertRefusedNaming(WebhookResponse response, string field)
    {
        Assert.True(response.StatusCode == 400, $"Expected 400, got {response.StatusCode} {response.Outcome}: {response.Message}");
        Assert.Contains(field, response.Message, StringComparison.Ordinal);
        Assert.Contains("not valid text", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInAMappedField_IsRefusedNamingTheField()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.CustomSettings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale.Replace("\"label\": \"Espresso\"", "\"label\": \"Espresso \\ud83d\"", StringComparison.Ordinal));

        // Act
        var response = await harness.SendAsync(Samples.Custom(body));

        // Assert
        AssertRefusedNaming(response, "lineItems[0]: lineItems.name ($.label)");
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_InvalidUtf8InAMappedField_IsRefusedNamingTheField()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.CustomSettings);
        var sale = Samples.CustomSale;
        var at = sale.IndexOf("c-42", StringComparison.Ordinal);
        var body = Splice(sale[..at], NotUtf8, sale[at..]);

        // Act
        var response = await harness.SendAsync(Samples.Custom(body));

        // Assert
        AssertRefusedNaming(response, "customerId ($.order.client.ref)");
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInsideZettlesWrappedPayload_IsRefusedNamingTheField()
    {
        // Arrange: the purchase is a JSON text inside the body; the broken name is inside that text.
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json"))
            .Replace("\\\"name\\\":\\\"Mug\\\"", "\\\"name\\\":\\\"Mug\\\\udc00\\\"", StringComparison.Ordinal));
        Assert.Contains("\\\\udc00", Encoding.UTF8.GetString(body), StringComparison.Ordinal);

        // Act
        var response = await harness.SendAsync(Samples.Zettle(body));

        // Assert
        AssertRefusedNaming(response, "lineItems.name ($.name)");
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInASignedJsonPart_IsUnauthorizedNotAnException()
    {
        // Arrange: Zettle signs {json:$.timestamp}.{json:$.payload}; a timestamp that is not text cannot be checked.
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var text = Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json"));
        var body = Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"timestamp\":\\s*\"[^\"]*\"", "\"timestamp\": \"\\ud800\""));
        var request = Samples.Request(body, new Dictionary<string, string> { ["X-iZettle-Signature"] = new string('a', 64) });

        // Act
        var response = await harness.SendAsync(request);

        // Assert
        Assert.Equal(401, response.StatusCode);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInTheEventIdOrTypeInTheBody_IsRefusedNamingIt()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var text = Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json"));
        var brokenId = Encoding.UTF8.GetBytes(text.Replace("\"2895af2a-faba-5f51-a1cd-f7dd79ee0866\"", "\"2895af2a\\udfff\"", StringComparison.Ordinal));
        var brokenType = Encoding.UTF8.GetBytes(text.Replace("\"PurchaseCreated\"", "\"Purchase\\ud800Created\"", StringComparison.Ordinal));

        // Act
        var id = await harness.SendAsync(Samples.Zettle(brokenId));
        var type = await harness.SendAsync(Samples.Zettle(brokenType));

        // Assert
        AssertRefusedNaming(id, "$.messageId");
        AssertRefusedNaming(type, "$.eventName");
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInAConditionsField_IsRefusedNamingIt()
    {
        // Arrange: Shopify's paid rule reads financial_status.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var text = Encoding.UTF8.GetString(Samples.Read("shopify-orders-paid.json"));
        var body = Encoding.UTF8.GetBytes(text.Replace("\"financial_status\": \"paid\"", "\"financial_status\": \"pa\\ud800id\"", StringComparison.Ordinal));

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertRefusedNaming(response, "$.financial_status");
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_BrokenTextInTheDeliveryIdHeader_IsRefused()
    {
        // Arrange: a header the host decoded from bytes that were not UTF-8.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var request = Samples.Shopify(Samples.Read("shopify-orders-paid.json"), webhookId: "b54557e4-\uFFFD-4b37");

        // Act
        var response = await harness.SendAsync(request);

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("X-Shopify-Webhook-Id", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_InvalidUtf8InAnUnreadField_IsStillAccepted()
    {
        // Arrange: Shopify's note is not mapped, so broken bytes there do not cost the sale.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var text = Encoding.UTF8.GetString(Samples.Read("shopify-orders-paid.json"));
        var at = text.IndexOf("\"landing_site\": null", StringComparison.Ordinal);
        var body = Splice(text[..at] + "\"note_text\": \"", NotUtf8, "\", " + text[at..]);
        var signed = Samples.Request(body, new Dictionary<string, string>
        {
            ["X-Shopify-Hmac-Sha256"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Samples.ShopifySecret), body)),
            ["X-Shopify-Topic"] = "orders/paid",
            ["X-Shopify-Webhook-Id"] = "wh-unread-1",
        });

        // Act
        var response = await harness.SendAsync(signed);

        // Assert
        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        Assert.Single(harness.Sink.Sales);
    }
    [Fact]
    public async Task HandleWebhook_ControlCharacterInAMappedId_IsRefusedNamingTheField()
    {
        // Arrange: a bell character inside the customer id; the SDK's identifier rule refuses it rather than guess.
        await using var harness = Harness.Create(Samples.CustomSettings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale.Replace("c-42", "c-\\u000742", StringComparison.Ordinal));

        // Act
        var response = await harness.SendAsync(Samples.Custom(body));

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("customerId ($.order.client.ref)", response.Message, StringComparison.Ordinal);
        Assert.Contains("control character", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_InvisibleCharactersInMappedIdsAndNames_AreRemoved()
    {
        // Arrange: a zero-width space in the customer id, a bidi override in the item's name.
        await using var harness = Harness.Create(Samples.CustomSettings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale
            .Replace("c-42", "c-42\\u200b", StringComparison.Ordinal)
            .Replace("\"label\": \"Espresso\"", "\"label\": \"\\u202eEspresso\"", StringComparison.Ordinal));

        // Act
        var response = await harness.SendAsync(Samples.Custom(body));

        // Assert
        Assert.Equal(200, response.StatusCode);
        var sale = Assert.Single(harness.Sink.Sales);
        Assert.Equal("c-42", sale.Customer.PosCustomerId);
        Assert.Equal("Espresso", sale.LineItems[0].Name);
    }
}
