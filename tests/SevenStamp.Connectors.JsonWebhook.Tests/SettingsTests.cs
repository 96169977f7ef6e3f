using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

public sealed class SettingsTests
{
    private static SettingError ErrorFor(string field, params (string Key, string? Value)[] changes)
    {
        var errors = Harness.Errors(Harness.With(Samples.CustomSettings, changes));
        return Assert.Single(errors, e => e.Field == field);
    }

    [Theory]
    [InlineData("""{ "total": "total_price" }""", "mapping.total", "must start with '$'")]
    [InlineData("""{ "total": "$.items[?(@.price > 1)]" }""", "mapping.total", "filters and expressions are not supported")]
    [InlineData("""{ "total": { "path": "$.total", "convert": "cents" } }""", "mapping.total", "use one of: decimal, minor-units, abs")]
    [InlineData("""{ "occurredAt": { "path": "$.t", "convert": "minor-units" } }""", "mapping.occurredAt", "does not exist for this field")]
    [InlineData("""{ "lineItems": { "path": "$.lines[*]", "name": "$.n", "quantity": "$.q", "unitPrice": { "path": "$.p", "convert": "upper" } } }""", "mapping.lineItems.unitPrice", "does not exist")]
    [InlineData("""{ "colour": "$.c" }""", "mapping.colour", "is not a mapping field")]
    [InlineData("""{ "currency": { "value": "EUR", "path": "$.c" } }""", "mapping.currency", "exactly one of")]
    public void ValidateSettings_MappingProblems_NameTheMappingField(string overrides, string field, string hint)
    {
        // Merged over a preset so each case has one problem only.
        var errors = Harness.Errors(new Dictionary<string, string?> { ["preset"] = "shopify", ["secret"] = Samples.ShopifySecret, ["mapping"] = overrides });

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSettings_PresetThatDoesNotExist_IsNamed() =>
        Assert.Contains("shopify, zettle, loyverse", ErrorFor("preset", ("preset", "square-ish")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("{timestamp}.{body}", "unknown placeholder")]
    [InlineData("{header:X-Ts.{body}", "'{' without its '}'")]
    [InlineData("{json:total}.{body}", "must start with '$'")]
    [InlineData("{header:X-Ts}", "must include the body")]
    public void ValidateSettings_BadSignedContentTemplate_IsNamed(string template, string hint) =>
        Assert.Contains(hint, ErrorFor("signedContent", ("signedContent", template)).Message, StringComparison.Ordinal);

    [Fact]
    public void ValidateSettings_Unsigned_IsRefusedUnlessExplicitlyAllowed()
    {
        var refused = ErrorFor("signatureAlgorithm", ("signatureAlgorithm", "none"), ("secret", null));
        Assert.Contains("allowUnsigned=true", refused.Message, StringComparison.Ordinal);

        Assert.Empty(Harness.Errors(Harness.With(Samples.CustomSettings, ("signatureAlgorithm", "none"), ("secret", null), ("allowUnsigned", "true"))));
    }

    [Fact]
    public void ValidateSettings_MissingOrShortSecret_IsNamed()
    {
        Assert.Contains("is required", ErrorFor("secret", ("secret", null)).Message, StringComparison.Ordinal);
        Assert.Contains("at least 16", ErrorFor("secret", ("secret", "short")).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short", ErrorFor("secret", ("secret", "short")).Message.Replace("too short", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("signatureAlgorithm", "md5")]
    [InlineData("signatureEncoding", "base32")]
    [InlineData("signatureHeader", "X Signature")]
    [InlineData("eventIdPath", "messageId")]
    [InlineData("unwrap", "$.payload[")]
    public void ValidateSettings_BadSignatureAndDedupeSettings_AreNamed(string field, string value) =>
        Assert.NotNull(ErrorFor(field, (field, value)));

    [Fact]
    public void ValidateSettings_AcceptingEventTypes_NeedsAPlaceToReadThem()
    {
        Assert.Contains("eventTypeHeader or eventTypePath", ErrorFor("acceptEventTypes", ("acceptEventTypes", "sale")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleWebhook_BearerTokenAuthentication_AcceptsTheTokenAndRefusesOthers()
    {
        var settings = Harness.With(Samples.CustomSettings, ("signatureAlgorithm", "bearer"), ("signatureHeader", null), ("signaturePrefix", null), ("signedContent", null));
        await using var harness = Harness.Create(settings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale);
        WebhookRequest With(string authorization) => Samples.Request(body, new Dictionary<string, string> { ["Authorization"] = authorization, ["X-Pos-Delivery"] = "d-" + authorization.Length });

        var wrong = await harness.SendAsync(With("Bearer custom-pos-shared-secret-0123456780"));
        var right = await harness.SendAsync(With("Bearer " + Samples.CustomSecret));

        Assert.Equal(401, wrong.StatusCode);
        Assert.Equal(WebhookOutcome.Accepted, right.Outcome);
    }

    [Fact]
    public async Task HandleWebhook_HmacSha1WithHexEncoding_AcceptsTheHexDigestInEitherCaseAndRefusesOthers()
    {
        // Arrange: hex HMAC-SHA1 of the raw body in X-Pos-Signature, no prefix.
        var settings = Harness.With(Samples.CustomSettings, ("signatureAlgorithm", "hmac-sha1"), ("signatureEncoding", "hex"), ("signaturePrefix", null), ("signedContent", "{body}"));
        await using var harness = Harness.Create(settings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale);
        var digest = System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes(Samples.CustomSecret), body);
        WebhookRequest With(string signature, string delivery) =>
            Samples.Request(body, new Dictionary<string, string> { ["X-Pos-Signature"] = signature, ["X-Pos-Delivery"] = delivery });

        // Act
        var base64 = await harness.SendAsync(With(Convert.ToBase64String(digest), "d-b64"));
        var sha256 = await harness.SendAsync(With(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(Samples.CustomSecret), body)), "d-256"));
        var otherKey = await harness.SendAsync(With(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes("another-pos-shared-secret-0123456"), body)), "d-key"));
        var lower = await harness.SendAsync(With(Convert.ToHexStringLower(digest), "d-lower"));
        var upper = await harness.SendAsync(With(Convert.ToHexString(digest), "d-upper"));

        // Assert
        Assert.Equal(401, base64.StatusCode);
        Assert.Equal(401, sha256.StatusCode);
        Assert.Equal(401, otherKey.StatusCode);
        Assert.Equal(WebhookOutcome.Accepted, lower.Outcome);
        Assert.Equal((200, WebhookOutcome.Duplicate), (upper.StatusCode, upper.Outcome));
        Assert.Equal("K-77", Assert.Single(harness.Sink.Sales).ExternalSaleId);
    }

    [Fact]
    public async Task HandleWebhook_UnsignedRequests_AreAcceptedOnlyWhenAllowed()
    {
        var settings = Harness.With(Samples.CustomSettings, ("signatureAlgorithm", "none"), ("secret", null), ("allowUnsigned", "true"), ("signatureHeader", null), ("signaturePrefix", null), ("signedContent", null));
        await using var harness = Harness.Create(settings);
        var body = Encoding.UTF8.GetBytes(Samples.CustomSale);

        var response = await harness.SendAsync(Samples.Request(body, new Dictionary<string, string> { ["X-Pos-Delivery"] = "d-1" }));

        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
    }
}
