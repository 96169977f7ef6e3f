namespace SevenStamp.Connectors.Sdk.Tests;

public class SettingsDefinitionTests
{
    private static ConnectorSettingsDefinition Definition() => new ConnectorSettingsDefinition()
        .Define("token", SettingType.String, "The access token.", required: true, secret: true)
        .Define("pollEvery", SettingType.Duration, "How often to poll.", defaultValue: "5m")
        .Define("pageSize", SettingType.Integer, "Page size.", defaultValue: "100")
        .Define("minimum", SettingType.Decimal, "Minimum spend.")
        .Define("sandbox", SettingType.Boolean, "Use the sandbox.", defaultValue: "false")
        .Define("baseUrl", SettingType.Url, "API base URL.", defaultValue: "https://connect.example.com")
        .Define("locations", SettingType.List, "Location ids.")
        .Define("mapping", SettingType.Json, "Field mapping.");

    private static SettingsValidationResult Validate(params (string Key, string? Value)[] values) =>
        Definition().Validate(values.ToDictionary(v => v.Key, v => v.Value));

    [Fact]
    public void Validate_ValidSettings_AreTypedAndDefaultsApplied()
    {
        var result = Validate(("token", "t0k3n"), ("locations", "[\"L1\", \"L2\"]"), ("minimum", "12.50"), ("mapping", "{\"a\":1}"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var settings = result.Settings!;
        Assert.Equal("t0k3n", settings.GetRequiredString("token"));
        Assert.Equal(TimeSpan.FromMinutes(5), settings.GetDuration("pollEvery"));
        Assert.Equal(100, settings.GetInteger("pageSize"));
        Assert.Equal(12.50m, settings.GetDecimal("minimum"));
        Assert.False(settings.GetBoolean("sandbox"));
        Assert.Equal(new Uri("https://connect.example.com"), settings.GetUrl("baseUrl"));
        Assert.Equal(["L1", "L2"], settings.GetList("locations"));
        Assert.Equal(1, settings.GetJson("mapping")!.Value.GetProperty("a").GetInt32());
    }

    [Fact]
    public void Validate_CommaSeparatedList_IsAccepted()
    {
        var result = Validate(("token", "x"), ("locations", " L1, L2 ,L3"));

        Assert.Equal(["L1", "L2", "L3"], result.Settings!.GetList("locations"));
    }

    [Fact]
    public void Validate_EveryBadField_IsReportedWithItsName()
    {
        var result = Validate(("pageSize", "ten"), ("minimum", "12,50"), ("sandbox", "yes"), ("baseUrl", "ftp://x"), ("locations", "L1,,L2"), ("mapping", "{"), ("pollEvery", "-5s"));

        Assert.False(result.IsValid);
        Assert.Null(result.Settings);
        Assert.Equal(
            ["baseUrl", "locations", "mapping", "minimum", "pageSize", "pollEvery", "sandbox", "token"],
            result.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.Contains("required", result.Errors.Single(e => e.Field == "token").Message, StringComparison.Ordinal);
        Assert.Contains("whole number", result.Errors.Single(e => e.Field == "pageSize").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKeys_AreErrorsAndAWrongCaseGetsASuggestion()
    {
        var result = Validate(("token", "x"), ("PageSize", "5"), ("colour", "red"));

        Assert.False(result.IsValid);
        Assert.Contains("did you mean 'pageSize'", result.Errors.Single(e => e.Field == "PageSize").Message, StringComparison.Ordinal);
        Assert.Contains("this connector's settings are: token, pollEvery", result.Errors.Single(e => e.Field == "colour").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Secrets_AreMasked()
    {
        var settings = Validate(("token", "super-secret-value")).Settings!;

        var text = settings.ToString();

        Assert.DoesNotContain("super-secret-value", text, StringComparison.Ordinal);
        Assert.Contains("token=***", text, StringComparison.Ordinal);
        Assert.Contains("pageSize=100", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UndeclaredSettingOrWrongType_Throws()
    {
        var settings = Validate(("token", "x")).Settings!;

        Assert.Throws<KeyNotFoundException>(() => settings.GetString("nope"));
        Assert.Throws<InvalidOperationException>(() => settings.GetInteger("token"));
    }

    [Fact]
    public void Define_SettingDeclaredTwiceOrWithAnInvalidDefault_IsAPluginBug()
    {
        Assert.Throws<ArgumentException>(() => new ConnectorSettingsDefinition().Define("a", SettingType.String, "A").Define("a", SettingType.String, "A"));
        Assert.Throws<ArgumentException>(() => new ConnectorSettingsDefinition().Define("n", SettingType.Integer, "N", defaultValue: "many"));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("90s", 90_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("00:00:07", 7_000)]
    public void ParseDuration_ValidDuration_Parses(string text, long milliseconds)
    {
        Assert.True(ConnectorSettingsDefinition.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-1m")]
    [InlineData("5x")]
    [InlineData("soon")]
    [InlineData("NaNs")]
    [InlineData("-00:00:05")]
    public void ParseDuration_BadDuration_DoesNotParse(string text) => Assert.False(ConnectorSettingsDefinition.TryParseDuration(text, out _));
    [Fact]
    public void Validate_ValueLongerThanTheDefaultCap_IsRefusedWithoutEchoingIt()
    {
        // Arrange: a 900 KB value, as a pasted file would be.
        var huge = new string('x', 900 * 1024);

        // Act
        var result = Validate(("token", "t"), ("baseUrl", "https://example.com/" + huge));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("baseUrl", error.Field);
        Assert.Contains($"at most {ConnectorSettingsDefinition.DefaultMaxLength}", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, "The error must not repeat the value.");
    }

    [Fact]
    public void Validate_DeclaredMaxLength_IsEnforcedAndJsonHasALargerDefault()
    {
        // Arrange
        var definition = new ConnectorSettingsDefinition()
            .Define("code", SettingType.String, "A short code.", maxLength: 8)
            .Define("mapping", SettingType.Json, "Field mapping.");
        var mapping = "{\"a\":\"" + new string('m', ConnectorSettingsDefinition.DefaultMaxLength) + "\"}";

        // Act
        var tooLong = definition.Validate(new Dictionary<string, string?> { ["code"] = "123456789", ["mapping"] = mapping });

        // Assert
        Assert.Equal(["code"], tooLong.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Validate_UnknownKeyOfAMegabyte_IsNotQuotedBack()
    {
        // Arrange
        var key = new string('k', 1024 * 1024);

        // Act
        var result = Validate(("token", "t"), (key, "v"));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("settings", error.Field);
        Assert.DoesNotContain(key[..100], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ChoiceSetting_TakesADeclaredValueIgnoringCaseAndReadsItBackAsDeclared()
    {
        var definition = new ConnectorSettingsDefinition().DefineChoice("encoding", "How the signature is written.", ["hex", "base64"], defaultValue: "hex");

        var given = definition.Validate(new Dictionary<string, string?> { ["encoding"] = " Base64 " });
        var left = definition.Validate(new Dictionary<string, string?>());

        Assert.Equal("base64", given.Settings!.GetString("encoding"));
        Assert.Equal("hex", left.Settings!.GetString("encoding"));
        Assert.Equal(["hex", "base64"], definition.Find("encoding")!.AllowedValues);
    }

    [Fact]
    public void Validate_ChoiceSettingWithAnotherValue_NamesTheAllowedValues()
    {
        var definition = new ConnectorSettingsDefinition().DefineChoice("environment", "Which API.", ["production", "sandbox"], required: true);

        var result = definition.Validate(new Dictionary<string, string?> { ["environment"] = "staging" });

        var error = Assert.Single(result.Errors);
        Assert.Equal("environment", error.Field);
        Assert.Equal("must be 'production' or 'sandbox'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hex| ")]
    [InlineData("hex|HEX")]
    public void DefineChoice_EmptyOrRepeatedValues_Throws(string values) =>
        Assert.Throws<ArgumentException>(() => new ConnectorSettingsDefinition().DefineChoice("encoding", "Encoding.", values.Split('|', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void DefineChoice_DefaultNotAmongTheValues_ThrowsAndDeclaresNothing()
    {
        var definition = new ConnectorSettingsDefinition();

        Assert.Throws<ArgumentException>(() => definition.DefineChoice("encoding", "Encoding.", ["hex", "base64"], defaultValue: "rot13"));
        Assert.Null(definition.Find("encoding"));
    }
}
