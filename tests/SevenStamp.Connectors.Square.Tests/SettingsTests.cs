using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.Square.Tests;

public sealed class SettingsTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["accessToken"] = "EAAAl-0123456789",
        ["signatureKey"] = "sig-key-0123",
        ["notificationUrl"] = "https://loyalty.example.com/webhooks/square-main",
        ["locationIds"] = """["L8GH2TQ4V1K9B", "LQ2M3N4P5R6S7"]""",
    };

    private static IReadOnlyList<SettingError> Errors(Action<Dictionary<string, string?>> change)
    {
        var values = Valid();
        change(values);
        return ConnectorHarness.Validate(new SquareConnector(), values);
    }

    [Fact]
    public void Settings_FourRequiredSettings_AreEnoughAndTheDefaultsApply()
    {
        var result = ConnectorValidation.Validate(new SquareConnector(), Valid());

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var settings = SquareSettings.From(result.Settings!);
        Assert.Equal(new Uri("https://connect.squareup.com/"), settings.BaseUrl);
        Assert.Equal(SquareConnector.DefaultSquareVersion, settings.SquareVersion);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromHours(24)), (settings.CatchUpEvery, settings.CatchUpLookback));
        Assert.Equal(["L8GH2TQ4V1K9B", "LQ2M3N4P5R6S7"], settings.LocationIds);
        Assert.Equal(["sig-key-0123"], settings.SignatureKeys);
    }

    [Fact]
    public void Settings_SandboxOrAnExplicitBaseUrl_ChoosesTheApi()
    {
        var sandbox = ConnectorValidation.Validate(new SquareConnector(), new Dictionary<string, string?>(Valid()) { ["environment"] = "sandbox" });
        var local = ConnectorValidation.Validate(new SquareConnector(), new Dictionary<string, string?>(Valid()) { ["environment"] = "sandbox", ["baseUrl"] = "http://127.0.0.1:5123/square" });

        Assert.Equal(new Uri("https://connect.squareupsandbox.com/"), SquareSettings.From(sandbox.Settings!).BaseUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5123/square/"), SquareSettings.From(local.Settings!).BaseUrl);
    }

    [Fact]
    public void Settings_NotificationUrl_IsKeptExactlyAsWrittenBecauseSquareSignsIt()
    {
        var result = ConnectorValidation.Validate(new SquareConnector(), new Dictionary<string, string?>(Valid()) { ["notificationUrl"] = "https://Loyalty.Example.com:443/webhooks/square-main?src=sq" });

        Assert.Equal("https://Loyalty.Example.com:443/webhooks/square-main?src=sq", SquareSettings.From(result.Settings!).NotificationUrl);
    }

    [Fact]
    public void Settings_MissingRequiredSettings_AreEachNamed()
    {
        var errors = ConnectorHarness.Validate(new SquareConnector(), new Dictionary<string, string?>());

        Assert.Equal(["accessToken", "locationIds", "notificationUrl", "signatureKey"], errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string?, string> BadValues => new()
    {
        { "notificationUrl", "http://loyalty.example.com/webhooks/square-main", "https" },
        { "notificationUrl", "https://loyalty.example.com/webhooks/square-main#x", "fragment" },
        { "notificationUrl", "not a url", "absolute http or https URL" },
        { "locationIds", "L8GH2TQ4V1K9B,,LQ2M3N4P5R6S7", "empty entries" },
        { "locationIds", "[]", "at least one" },
        { "locationIds", "L8GH2TQ4V1K9B, L8GH2TQ4V1K9B", "more than once" },
        { "locationIds", "L8GH 2TQ4", "not a Square location id" },
        { "environment", "prod", "'production' or 'sandbox'" },
        { "baseUrl", "http://square-proxy.internal/", "https" },
        { "squareVersion", "latest", "2025-10-16" },
        { "squareVersion", "2025-13-40", "Square API version date" },
        { "catchUpEvery", "1s", "between 10s and 24h" },
        { "catchUpEvery", "soon", "positive duration" },
        { "catchUpLookback", "60d", "at most 31 days" },
        { "accessToken", "EAAA 0123", "without spaces" },
        { "signatureKey", "key\nwith-newline", "line breaks" },
        { "previousSignatureKey", "old key", "without spaces" },
        { "LocationIds", "L1", "did you mean 'locationIds'" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Settings_BadValue_IsReportedOnItsFieldWithAHint(string field, string? value, string hint)
    {
        var errors = Errors(v => v[field] = value);

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_LoopbackHttpUrl_IsAllowedForLocalTests()
    {
        var errors = Errors(v =>
        {
            v["notificationUrl"] = "http://127.0.0.1:5080/webhooks/square-main";
            v["baseUrl"] = "http://localhost:9999/";
        });

        Assert.Empty(errors);
    }

    [Fact]
    public void Settings_Secrets_AreMaskedInTheSettingsText()
    {
        var result = ConnectorValidation.Validate(new SquareConnector(), new Dictionary<string, string?>(Valid()) { ["previousSignatureKey"] = "old-sig-key-9" });

        var text = result.Settings!.ToString();
        Assert.DoesNotContain("EAAAl-0123456789", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sig-key-0123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("old-sig-key-9", text, StringComparison.Ordinal);
    }
}
