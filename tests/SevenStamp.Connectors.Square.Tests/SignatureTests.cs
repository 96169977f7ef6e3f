using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

public sealed class SignatureTests : IAsyncLifetime
{
    // Square's published test vector (the webhook signature tests of Square's SDKs).
    private const string SquareBody = """{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}""";
    private const string SquareSignatureHeader = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
    private const string SquareKey = "Ibxx_5AKakO-3qeNVR61Dw";
    private const string SquareUrl = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";

    private FakeSquareServer _square = null!;

    public async ValueTask InitializeAsync() => _square = await FakeSquareServer.StartAsync();

    public async ValueTask DisposeAsync() => await _square.DisposeAsync();

    /// <summary>base64(HMAC-SHA256(key, url + body)), computed here independently of the connector.</summary>
    private static string Independent(string key, string url, byte[] body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        return Convert.ToBase64String(hmac.ComputeHash([.. Encoding.UTF8.GetBytes(url), .. body]));
    }

    private static WebhookRequest Request(byte[] body, string? signature) =>
        new("POST", signature is null ? [] : new Dictionary<string, string> { ["x-square-hmacsha256-signature"] = signature }, body, DateTimeOffset.UnixEpoch);

    private static byte[] PaymentBody(string eventId = "evt-sig-1") =>
        Encoding.UTF8.GetBytes(SquarePayloads.PaymentEvent(eventId, "payment.updated", "PAYSIG1", "COMPLETED", "ORDER-SIG-1"));

    [Fact]
    public void Signature_SquaresPublishedExample_VerifiesAndAChangedByteDoesNot()
    {
        var signature = new SquareSignature(SquareUrl, [SquareKey]);
        var body = Encoding.UTF8.GetBytes(SquareBody);

        Assert.True(signature.Verify(body, SquareSignatureHeader));
        Assert.Equal(SquareSignatureHeader, Independent(SquareKey, SquareUrl, body));
        body[^2] = (byte)'0';
        Assert.False(signature.Verify(body, SquareSignatureHeader));
    }

    [Fact]
    public async Task HandleWebhook_SquaresPublishedExample_IsAcceptedAndIgnoredAsATestEvent()
    {
        await using var harness = SquareHarness.Create(_square, v =>
        {
            v["signatureKey"] = SquareKey;
            v["notificationUrl"] = SquareUrl;
        });

        var response = await harness.Receiver.HandleWebhookAsync(Request(Encoding.UTF8.GetBytes(SquareBody), SquareSignatureHeader), CancellationToken.None);

        Assert.Equal((200, WebhookOutcome.Ignored), (response.StatusCode, response.Outcome));
        Assert.Contains("webhooks.test_notification", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleWebhook_IndependentlyComputedSignature_IsAccepted()
    {
        _square.PutOrder(SquarePayloads.Order("ORDER-SIG-1"));
        await using var harness = SquareHarness.Create(_square);
        var body = PaymentBody();

        var response = await harness.Receiver.HandleWebhookAsync(Request(body, Independent(SquareHarness.SignatureKey, SquareHarness.NotificationUrl, body)), CancellationToken.None);

        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        Assert.Single(harness.Sink.Sales);
    }

    public static TheoryData<string> Forgeries => ["missing", "wrong key", "wrong url", "trailing slash on url", "reserialized body", "body of another event", "garbage", "hex instead of base64"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task HandleWebhook_WithoutAValidSignature_IsRefusedBeforeAnythingIsReadAndPublishesNothing(string forgery)
    {
        _square.PutOrder(SquarePayloads.Order("ORDER-SIG-1"));
        await using var harness = SquareHarness.Create(_square);
        var body = PaymentBody();
        var good = Independent(SquareHarness.SignatureKey, SquareHarness.NotificationUrl, body);
        var reserialized = JsonSerializer.SerializeToUtf8Bytes(JsonDocument.Parse(body).RootElement);
        var request = forgery switch
        {
            "missing" => Request(body, null),
            "wrong key" => Request(body, Independent("not-the-signature-key", SquareHarness.NotificationUrl, body)),
            "wrong url" => Request(body, Independent(SquareHarness.SignatureKey, "https://proxy.internal:8080/webhooks/square-main", body)),
            "trailing slash on url" => Request(body, Independent(SquareHarness.SignatureKey, SquareHarness.NotificationUrl + "/", body)),
            "reserialized body" => Request(reserialized, good),
            "body of another event" => Request(PaymentBody("evt-other"), good),
            "garbage" => Request(body, "not base64 at all!"),
            "hex instead of base64" => Request(body, Convert.ToHexStringLower(Convert.FromBase64String(good))),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        var response = await harness.Receiver.HandleWebhookAsync(request, CancellationToken.None);

        Assert.Equal((401, WebhookOutcome.Unauthorized), (response.StatusCode, response.Outcome));
        Assert.Empty(harness.Sink.Records);
        Assert.Empty(_square.Requests);
        Assert.False(await harness.Store.IsSeenAsync("evt-sig-1", CancellationToken.None));
        if (forgery == "missing")
        {
            Assert.Contains("x-square-hmacsha256-signature", response.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HandleWebhook_UnsignedMalformedBody_Gets401Not400()
    {
        await using var harness = SquareHarness.Create(_square);

        var response = await harness.Receiver.HandleWebhookAsync(Request("{ not json"u8.ToArray(), "AAAA"), CancellationToken.None);

        Assert.Equal(WebhookOutcome.Unauthorized, response.Outcome);
    }

    [Fact]
    public async Task HandleWebhook_WhileAKeyRotates_AcceptsBothKeysAndNotAThird()
    {
        _square.PutOrder(SquarePayloads.Order("ORDER-SIG-1"));
        _square.PutOrder(SquarePayloads.Order("ORDER-SIG-2"));
        await using var harness = SquareHarness.Create(_square, v => v["previousSignatureKey"] = SquareHarness.PreviousSignatureKey);
        var withNew = SquarePayloads.PaymentEvent("evt-new", "payment.updated", "PAYNEW1", "COMPLETED", "ORDER-SIG-1");
        var withOld = SquarePayloads.PaymentEvent("evt-old", "payment.updated", "PAYOLD1", "COMPLETED", "ORDER-SIG-2");

        var byNew = await harness.Receiver.HandleWebhookAsync(SquareHarness.Signed(withNew, SquareHarness.SignatureKey), CancellationToken.None);
        var byOld = await harness.Receiver.HandleWebhookAsync(SquareHarness.Signed(withOld, SquareHarness.PreviousSignatureKey), CancellationToken.None);
        var byOther = await harness.Receiver.HandleWebhookAsync(SquareHarness.Signed(withOld.Replace("evt-old", "evt-x", StringComparison.Ordinal), "sqwh-some-other-key"), CancellationToken.None);

        Assert.Equal(WebhookOutcome.Accepted, byNew.Outcome);
        Assert.Equal(WebhookOutcome.Accepted, byOld.Outcome);
        Assert.Equal(WebhookOutcome.Unauthorized, byOther.Outcome);
        Assert.Equal(["ORDER-SIG-1", "ORDER-SIG-2"], harness.Sink.Sales.Select(s => s.ExternalSaleId));
    }

    [Fact]
    public async Task HandleWebhook_WithoutThePreviousKeyConfigured_RefusesTheOldKey()
    {
        await using var harness = SquareHarness.Create(_square);

        var response = await harness.Receiver.HandleWebhookAsync(SquareHarness.Signed(Encoding.UTF8.GetString(PaymentBody()), SquareHarness.PreviousSignatureKey), CancellationToken.None);

        Assert.Equal(WebhookOutcome.Unauthorized, response.Outcome);
    }
}
