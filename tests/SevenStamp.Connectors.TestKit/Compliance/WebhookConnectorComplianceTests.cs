using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite of connectors that receive webhooks: authentication, mapping of a documented sample,
/// duplicate delivery, malformed and oversized input, and an unavailable sink. A derived class supplies the sample,
/// how a request is signed and the sale the sample must become.
/// </summary>
public abstract class WebhookConnectorComplianceTests : ConnectorComplianceTests
{
    /// <summary>The size of the oversized body: far above any host limit.</summary>
    public const int OversizedBytes = 10 * 1024 * 1024;

    /// <summary>The raw body of a valid sale delivery, as the POS documents it.</summary>
    protected abstract byte[] SampleBody { get; }

    /// <summary>The header that carries the signature or credentials.</summary>
    protected abstract string SignatureHeader { get; }

    /// <summary>The sale <see cref="SampleBody"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    protected abstract SaleCompleted ExpectedSale { get; }

    /// <summary>A correctly signed request carrying <paramref name="body"/> and any headers the POS always sends.</summary>
    protected abstract WebhookRequest Sign(ReadOnlyMemory<byte> body);

    /// <summary>
    /// Whether the task is started before webhooks are sent, as in the host. A connector whose background work would
    /// itself publish the sample (a catch-up poll against the same fake server) turns this off.
    /// </summary>
    protected virtual bool StartBeforeWebhooks => true;

    /// <summary>Authentic bodies that must be refused with a 4xx, each with a name for the failure message.</summary>
    protected virtual IEnumerable<(string Name, byte[] Body)> MalformedBodies()
    {
        yield return ("truncated JSON", Encoding.UTF8.GetBytes("{\"id\": \"S-1\", \"total\": "));
        yield return ("not JSON", Encoding.UTF8.GetBytes("total=5.60&currency=EUR"));
        yield return ("empty", []);
        yield return ("a JSON array", Encoding.UTF8.GetBytes("[1, 2, 3]"));
        yield return ("a JSON string", Encoding.UTF8.GetBytes("\"sale\""));
        yield return ("nested 1,000 deep", Encoding.UTF8.GetBytes(new string('[', 1000) + new string(']', 1000)));
        yield return ("nested objects 1,000 deep", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000)));
        yield return ("invalid UTF-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]);
    }

    /// <summary>
    /// Authentic bodies that are valid JSON but no event the connector acts on (a test notification, an envelope
    /// without its event id): answered 2xx <c>ignored</c>, because a POS such as Square disables an endpoint that
    /// keeps failing. None by default; a connector that answers such bodies this way lists them.
    /// </summary>
    protected virtual IEnumerable<(string Name, byte[] Body)> AuthenticBodiesThatAreNotEvents() => [];

    private async Task<ConnectorUnderTest> StartAsync(bool sinkUnavailable = false)
    {
        var connector = Create(ValidSettings());
        connector.Sink.Unavailable = sinkUnavailable;
        if (StartBeforeWebhooks)
        {
            await connector.Task.StartAsync(CancellationToken.None);
        }

        return connector;
    }

    private static async Task<WebhookResponse> SendAsync(ConnectorUnderTest connector, WebhookRequest request) =>
        await connector.Receiver.HandleWebhookAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

    private static WebhookRequest WithHeaders(WebhookRequest request, Func<Dictionary<string, string>, Dictionary<string, string>> change) =>
        new(request.Method, change(new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase)), request.Body, request.ReceivedAt, request.QueryString);

    private static void AssertStatus(int expectedLow, int expectedHigh, WebhookResponse response, string what) =>
        Assert.True(response.StatusCode >= expectedLow && response.StatusCode <= expectedHigh, $"{what}: expected {expectedLow}–{expectedHigh}, got {response.StatusCode} ({response.Outcome}): {response.Message}");

    [Fact]
    public async Task HandleWebhook_ValidSample_IsMappedToTheExpectedSale()
    {
        await using var connector = await StartAsync();

        var response = await SendAsync(connector, Sign(SampleBody));

        Assert.True(response.Outcome == WebhookOutcome.Accepted, $"Expected Accepted, got {response.StatusCode} {response.Outcome}: {response.Message}");
        Assert.Equal(200, response.StatusCode);
        var sale = Assert.Single(connector.Sink.Sales);
        SaleAssert.Equivalent(ExpectedSale, sale);
    }

    [Fact]
    public async Task HandleWebhook_UnsignedRequest_IsRefusedAndPublishesNothing()
    {
        await using var connector = await StartAsync();
        var unsigned = WithHeaders(Sign(SampleBody), headers =>
        {
            headers.Remove(SignatureHeader);
            return headers;
        });

        var response = await SendAsync(connector, unsigned);

        AssertStatus(401, 403, response, "unsigned");
        Assert.Equal(WebhookOutcome.Unauthorized, response.Outcome);
        Assert.Empty(connector.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_BadlySignedRequest_IsRefusedAndPublishesNothing()
    {
        await using var connector = await StartAsync();
        var signed = Sign(SampleBody);
        var forged = WithHeaders(signed, headers =>
        {
            headers[SignatureHeader] = Corrupt(headers[SignatureHeader]);
            return headers;
        });
        var empty = WithHeaders(signed, headers =>
        {
            headers[SignatureHeader] = string.Empty;
            return headers;
        });

        foreach (var (name, request) in new[] { ("forged", forged), ("empty", empty) })
        {
            var response = await SendAsync(connector, request);
            AssertStatus(401, 403, response, name);
        }

        Assert.Empty(connector.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_DuplicateDelivery_IsAcknowledgedAndPublishesNothingMore()
    {
        await using var connector = await StartAsync();

        var first = await SendAsync(connector, Sign(SampleBody));
        var second = await SendAsync(connector, Sign(SampleBody));

        Assert.Equal(WebhookOutcome.Accepted, first.Outcome);
        AssertStatus(200, 299, second, "duplicate");
        Assert.Equal(WebhookOutcome.Duplicate, second.Outcome);
        Assert.Single(connector.Sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_MalformedInput_IsRefusedWithA4xxAndPublishesNothing()
    {
        await using var connector = await StartAsync();

        foreach (var (name, body) in MalformedBodies())
        {
            var response = await SendAsync(connector, Sign(body));
            AssertStatus(400, 499, response, name);
            Assert.False(string.IsNullOrWhiteSpace(response.Message), $"{name}: the answer should say what is wrong.");
            Assert.DoesNotContain("   at ", response.Message, StringComparison.Ordinal);
        }

        Assert.Empty(connector.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_AuthenticBodyThatIsNotAnEvent_IsAcknowledgedAsIgnored()
    {
        await using var connector = await StartAsync();

        foreach (var (name, body) in AuthenticBodiesThatAreNotEvents())
        {
            var response = await SendAsync(connector, Sign(body));
            AssertStatus(200, 299, response, name);
            Assert.True(response.Outcome == WebhookOutcome.Ignored, $"{name}: expected Ignored, got {response.Outcome}: {response.Message}");
            Assert.False(string.IsNullOrWhiteSpace(response.Message), $"{name}: the answer should say why it is ignored.");
        }

        Assert.Empty(connector.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_LoneSurrogateInAnyStringOfTheSample_IsRefusedOrLeftOutNeverThrown() =>
        await AssertHostileTextAsync(HostileText.WithLoneSurrogate);

    [Fact]
    public async Task HandleWebhook_InvalidUtf8InAnyStringOfTheSample_IsRefusedOrLeftOutNeverThrown() =>
        await AssertHostileTextAsync(HostileText.WithInvalidUtf8);

    /// <summary>
    /// Each string value of the sample in turn made into text that is not text, signed, and sent to a fresh
    /// connector (so no dedupe hides it): the answer is a 4xx that says what is wrong (a field the connector reads),
    /// or a 2xx (a field it does not read, which is left out); never an exception, which the host would answer 500
    /// and count against the connector's circuit; and no published record carries a lone surrogate or U+FFFD.
    /// </summary>
    private async Task AssertHostileTextAsync(Func<byte[], HostileText.StringValue, byte[]> corrupt)
    {
        var sample = SampleBody;
        var values = HostileText.StringValues(sample);
        Assert.NotEmpty(values);
        var failures = new List<string>();
        foreach (var value in values)
        {
            await using var connector = await StartAsync();
            WebhookResponse response;
            try
            {
                response = await SendAsync(connector, Sign(corrupt(sample, value)));
            }
#pragma warning disable CA1031 // Any exception is the failure being looked for; it is reported with the field that caused it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{value.Path}: threw {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            if (response.StatusCode is not (>= 200 and <= 299 or >= 400 and <= 499))
            {
                failures.Add($"{value.Path}: answered {response.StatusCode} {response.Outcome}: {response.Message}");
            }
            else if (response.StatusCode >= 400 && (string.IsNullOrWhiteSpace(response.Message) || response.Message.Contains("   at ", StringComparison.Ordinal)))
            {
                failures.Add($"{value.Path}: answered {response.StatusCode} without saying what is wrong, or with a stack trace");
            }
            else if (HostileText.IsBroken(response.Message))
            {
                failures.Add($"{value.Path}: the answer echoes the broken text");
            }

            foreach (var record in connector.Sink.Records)
            {
                failures.AddRange(HostileText.Texts(record).Where(t => HostileText.IsBroken(t.Text)).Select(t => $"{value.Path}: published {t.Path} with broken text"));
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {values.Count} string values were mishandled:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task HandleWebhook_OversizedInput_IsRefusedWithA4xxAndPublishesNothing()
    {
        await using var connector = await StartAsync();
        var padding = new string('x', OversizedBytes);
        var body = Encoding.UTF8.GetBytes("{\"padding\":\"" + padding + "\"}");

        var response = await SendAsync(connector, Sign(body));

        AssertStatus(400, 499, response, "10 MB body");
        Assert.Empty(connector.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_UnavailableSink_MakesThePosRetryAndMarksNothingSeen()
    {
        await using var connector = await StartAsync(sinkUnavailable: true);

        // The host answers 503 when the sink throws CheckoutSinkUnavailableException; a connector may also answer 5xx itself.
        try
        {
            var refused = await SendAsync(connector, Sign(SampleBody));
            AssertStatus(500, 599, refused, "sink unavailable");
        }
        catch (CheckoutSinkUnavailableException)
        {
            // The host turns this into 503.
        }

        Assert.Empty(connector.Sink.Records);

        // The POS retries once the broker is back: the event was not marked seen, so it goes through now.
        connector.Sink.Unavailable = false;
        var retry = await SendAsync(connector, Sign(SampleBody));

        Assert.True(retry.Outcome == WebhookOutcome.Accepted, $"The retry should be accepted, got {retry.StatusCode} {retry.Outcome}: {retry.Message}");
        SaleAssert.Equivalent(ExpectedSale, Assert.Single(connector.Sink.Sales));
    }

    [Fact]
    public async Task HandleWebhook_AnyRequest_LogsNoSecret()
    {
        await using var connector = await StartAsync();
        var secrets = CreateConnector().SettingsDefinition.Where(d => d.Secret)
            .Select(d => ValidSettings().GetValueOrDefault(d.Name))
            .Where(v => !string.IsNullOrEmpty(v))
            .ToList();

        await SendAsync(connector, Sign(SampleBody));
        await SendAsync(connector, WithHeaders(Sign(SampleBody), h =>
        {
            h[SignatureHeader] = Corrupt(h[SignatureHeader]);
            return h;
        }));
        await SendAsync(connector, Sign(Encoding.UTF8.GetBytes("{ broken")));

        foreach (var line in connector.Logger.Lines)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret!, line, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Changes one character in the middle of a signature (fully significant in hex and base64), keeping its shape.</summary>
    public static string Corrupt(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var chars = signature.ToCharArray();
        for (var offset = 0; offset < chars.Length; offset++)
        {
            var i = (chars.Length / 2 + offset) % chars.Length;
            if (char.IsAsciiLetterOrDigit(chars[i]))
            {
                chars[i] = chars[i] switch
                {
                    '0' => '1',
                    'a' => 'b',
                    'A' => 'B',
                    _ => char.IsAsciiDigit(chars[i]) ? '0' : char.IsAsciiLetterLower(chars[i]) ? 'a' : 'A',
                };
                return new string(chars);
            }
        }

        return signature + "0";
    }
}
