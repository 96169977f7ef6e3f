using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite of connectors that receive webhooks: authentication and key rotation, mapping of a documented
/// sample, duplicate delivery, malformed, oversized and hostile input (text that is not text, invisible characters),
/// an unavailable sink, and secrets kept out of logs. A derived class supplies a <see cref="WebhookSample"/> (the
/// sample, how the POS signs it and the sale it must become); settings, the signing secret and its rotation partner
/// are read from the connector's schema. Most connectors derive from <see cref="WebhookConnectorComplianceTests{TConnector}"/>
/// in one line; every member a check reads is virtual for those that need more.
/// </summary>
public abstract class WebhookConnectorComplianceTests : ConnectorComplianceTests
{
    /// <summary>The size of the oversized body: far above any host limit.</summary>
    public const int OversizedBytes = 10 * 1024 * 1024;

    /// <summary>A secret no setting holds: a request signed with it must be refused.</summary>
    public const string UnknownSecret = "compliance-unknown-secret-T5v9nB3c6XyL";

    /// <summary>The documented delivery, its signature and the sale it must become.</summary>
    protected abstract WebhookSample Sample { get; }

    /// <summary>The raw body of a valid sale delivery, as the POS documents it.</summary>
    protected virtual byte[] SampleBody => Sample.Body;

    /// <summary>The header that carries the signature or credentials.</summary>
    protected virtual string SignatureHeader => Sample.Signature.Header;

    /// <summary>The sale <see cref="SampleBody"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    protected virtual SaleCompleted ExpectedSale => Sample.ExpectedSale;

    protected override IReadOnlyDictionary<string, string?> GivenSettings => Sample.Settings;

    /// <summary>The setting whose secret signs deliveries: <see cref="WebhookSignature.SecretSetting"/>, or read from the schema.</summary>
    protected virtual string SigningSecretSetting =>
        Sample.Signature.SecretSetting ?? ComplianceSettings.SigningSecretSetting(CreateConnector().SettingsDefinition);

    /// <summary>The schema's required settings, the signing secret and <see cref="WebhookSample.AlsoRequired"/>.</summary>
    protected override IEnumerable<string> SettingsThatMustBeGiven() =>
        base.SettingsThatMustBeGiven().Append(SigningSecretSetting).Concat(Sample.AlsoRequired).Distinct(StringComparer.Ordinal);

    /// <summary>The secret the valid settings sign with.</summary>
    protected string CurrentSecret =>
        ValidSettings().GetValueOrDefault(SigningSecretSetting) ?? throw new InvalidOperationException($"The valid settings give no '{SigningSecretSetting}'.");

    /// <summary>A correctly signed request carrying <paramref name="body"/> and any headers the POS always sends.</summary>
    protected WebhookRequest Sign(ReadOnlyMemory<byte> body) => Sign(body, CurrentSecret);

    /// <summary>A request carrying <paramref name="body"/> signed under <paramref name="secret"/> as the POS signs (<see cref="WebhookSample.Signature"/>).</summary>
    protected virtual WebhookRequest Sign(ReadOnlyMemory<byte> body, string secret)
    {
        var headers = new Dictionary<string, string>(Sample.Headers, StringComparer.OrdinalIgnoreCase)
        {
            [SignatureHeader] = Sample.Signature.Compute(body.Span, Sample.Headers, secret),
        };
        return new WebhookRequest("POST", headers, body, Sample.ReceivedAt);
    }

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

    private Task<ConnectorUnderTest> StartAsync(bool sinkUnavailable = false) => StartAsync(ValidSettings(), sinkUnavailable);

    private async Task<ConnectorUnderTest> StartAsync(IReadOnlyDictionary<string, string?> settings, bool sinkUnavailable = false)
    {
        var connector = Create(settings);
        connector.Sink.Unavailable = sinkUnavailable;
        if (StartBeforeWebhooks)
        {
            await connector.Task.StartAsync(CancellationToken.None);
        }

        return connector;
    }

    /// <summary>Sends a request as the host does: a record the host's sink refuses (<see cref="CheckoutRecordRejectedException"/>) is answered 400 naming the field.</summary>
    private static async Task<WebhookResponse> SendAsync(ConnectorUnderTest connector, WebhookRequest request)
    {
        try
        {
            return await connector.Receiver.HandleWebhookAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (CheckoutRecordRejectedException ex)
        {
            return WebhookResponse.Invalid($"{ex.Field} {ex.Problem}");
        }
    }

    /// <summary>The rotation pair whose current secret signs deliveries, or null when the connector takes one secret only.</summary>
    private ComplianceSettings.RotationPair? SigningRotation =>
        ComplianceSettings.RotationPairs(CreateConnector().SettingsDefinition).FirstOrDefault(p => p.Current == SigningSecretSetting);

    private IReadOnlyDictionary<string, string?> With(string setting, string? value) =>
        new Dictionary<string, string?>(ValidSettings(), StringComparer.Ordinal) { [setting] = value };

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
    public async Task HandleWebhook_SignedWithEitherSecretDuringRotation_IsAccepted()
    {
        if (SigningRotation is not { } rotation)
        {
            Assert.Skip($"The connector declares no previous secret beside '{SigningSecretSetting}': it takes one secret at a time.");
            return;
        }

        var rotating = With(rotation.Previous, ComplianceSettings.PreviousSecretValue);
        foreach (var (name, secret) in new[] { ("the previous secret", ComplianceSettings.PreviousSecretValue), ("the new secret", CurrentSecret) })
        {
            // A fresh connector for each, so the second delivery of the sample is not a duplicate.
            await using var connector = await StartAsync(rotating);

            var response = await SendAsync(connector, Sign(SampleBody, secret));

            Assert.True(response.Outcome == WebhookOutcome.Accepted, $"Signed with {name} while '{rotation.Previous}' is set: expected Accepted, got {response.StatusCode} {response.Outcome}: {response.Message}");
            SaleAssert.Equivalent(ExpectedSale, Assert.Single(connector.Sink.Sales));
        }
    }

    [Fact]
    public async Task HandleWebhook_SignedWithARemovedOrUnknownSecret_IsRefusedAndPublishesNothing()
    {
        // The rotation is over: the previous secret was removed from the settings, and a POS still signing with it is refused.
        var settings = SigningRotation is { } rotation ? With(rotation.Previous, null) : ValidSettings();
        await using var connector = await StartAsync(settings);

        foreach (var (name, secret) in new[] { ("a removed secret", ComplianceSettings.PreviousSecretValue), ("an unknown secret", UnknownSecret) })
        {
            var response = await SendAsync(connector, Sign(SampleBody, secret));
            AssertStatus(401, 403, response, name);
            Assert.Equal(WebhookOutcome.Unauthorized, response.Outcome);
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
    /// Invisible characters (zero-width space and joiner, a bidi override, a byte order mark) around each string value
    /// in turn: refused with a 4xx naming what is wrong, or accepted as the very sale of the sample (ids normalized,
    /// so "ana" and "ana" with a zero-width space are one customer), never thrown.
    /// </summary>
    [Fact]
    public async Task HandleWebhook_InvisibleCharactersInAnyStringOfTheSample_AreNormalizedOrRefusedNeverThrown() =>
        await AssertHostileTextAsync(HostileText.WithInvisibleCharacters, sale => SaleAssert.Equivalent(ExpectedSale, sale));

    /// <summary>
    /// Each string value of the sample in turn made into text that is not text, signed, and sent to a fresh
    /// connector (so no dedupe hides it): the answer is a 4xx that says what is wrong (a field the connector reads),
    /// or a 2xx (a field it does not read, which is left out); never an exception, which the host would answer 500
    /// and count against the connector's circuit; and no published record carries a lone surrogate or U+FFFD.
    /// </summary>
    private async Task AssertHostileTextAsync(Func<byte[], HostileText.StringValue, byte[]> corrupt, Action<SaleCompleted>? accepted = null)
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
                failures.AddRange(HostileText.Texts(record).Where(t => HostileText.HasInvisible(t.Text)).Select(t => $"{value.Path}: published {t.Path} with invisible characters"));
            }

            if (accepted is not null && response.Outcome == WebhookOutcome.Accepted && connector.Sink.Sales.Count == 1)
            {
                try
                {
                    accepted(connector.Sink.Sales[0]);
                }
#pragma warning disable CA1031 // An assertion failure is collected with the field that caused it, to report every field at once.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures.Add($"{value.Path}: accepted, but not as the sample's sale: {ex.Message}");
                }
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
        var settings = SettingsWithEverySecret();
        await using var connector = await StartAsync(settings);

        await SendAsync(connector, Sign(SampleBody));
        await SendAsync(connector, WithHeaders(Sign(SampleBody), h =>
        {
            h[SignatureHeader] = Corrupt(h[SignatureHeader]);
            return h;
        }));
        await SendAsync(connector, Sign(Encoding.UTF8.GetBytes("{ broken")));
        await SendAsync(connector, Sign(SampleBody, UnknownSecret));
        if (SigningRotation is not null)
        {
            await SendAsync(connector, Sign(SampleBody, ComplianceSettings.PreviousSecretValue));
        }

        AssertNoSecretLogged(connector.Logger, SecretValues(settings));
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
