using SevenStamp.Connectors.Host.Connectors;

namespace SevenStamp.Connectors.Host.Tests;

public class ConnectorConfigurationFileTests
{
    private static readonly Dictionary<string, string> Environment = new() { ["SHOP_SECRET"] = "from-the-environment" };

    private static (IReadOnlyList<ConnectorInstanceConfig> Connectors, IReadOnlyList<ConnectorConfigError> Errors) Parse(string json) =>
        ConnectorConfigurationFile.Parse(json, name => Environment.GetValueOrDefault(name));

    [Fact]
    public void ConfigurationFile_ValidFile_IsReadWithTypedValuesKeptAsText()
    {
        var (connectors, errors) = Parse("""
            {
              // comments are allowed
              "connectors": [
                { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1",
                  "settings": { "signingSecret": "${env:SHOP_SECRET}", "count": 5, "on": true, "list": ["a", "b"], "none": null } },
                { "id": "sim", "plugin": "pos-simulator", "merchantId": "cafe-1", "enabled": false },
              ]
            }
            """);

        Assert.Empty(errors);
        Assert.Equal(2, connectors.Count);
        var shop = connectors[0];
        Assert.Equal(("shop", "generic-webhook", "cafe-1", true), (shop.Id, shop.PluginId, shop.MerchantId, shop.Enabled));
        Assert.Equal("from-the-environment", shop.Settings["signingSecret"]);
        Assert.Equal("5", shop.Settings["count"]);
        Assert.Equal("true", shop.Settings["on"]);
        Assert.Equal("[\"a\", \"b\"]", shop.Settings["list"]);
        Assert.Null(shop.Settings["none"]);
        Assert.False(connectors[1].Enabled);
        Assert.Empty(connectors[1].Settings);
    }

    [Fact]
    public void ConfigurationFile_BrokenEntry_IsReportedByFieldAndTheOthersSurvive()
    {
        var (connectors, errors) = Parse("""
            { "connectors": [
                { "id": "good", "plugin": "p", "merchantId": "m" },
                { "id": "Bad Id", "plugin": "p", "merchantId": "m" },
                { "plugin": "p", "merchantId": "m" },
                { "id": "no-plugin", "merchantId": "m" },
                { "id": "no-merchant", "plugin": "p" },
                { "id": "good", "plugin": "p", "merchantId": "m" },
                { "id": "missing-env", "plugin": "p", "merchantId": "m", "settings": { "key": "${env:NOT_SET}" } },
                { "id": "bad-enabled", "plugin": "p", "merchantId": "m", "enabled": "yes" },
                { "id": "bad-settings", "plugin": "p", "merchantId": "m", "settings": [1] },
                42
            ] }
            """);

        Assert.Equal(["good"], connectors.Select(c => c.Id));
        Assert.Equal(
            [
                "connectors[1].id: must be lower-case letters, digits and dashes (1–63 characters), e.g. \"shop-webhook\"",
                "connectors[2].id: is required: a short name for this connector, used in its webhook URL, e.g. \"shop-webhook\"",
                "connector 'no-plugin', plugin: is required: the id of the plugin that runs this connector, e.g. \"generic-webhook\"",
                "connector 'no-merchant', merchantId: is required: the merchant whose stamp cards this connector's sales count towards (at most 64 characters)",
                "connector 'good', id: is used by an earlier connector; connector ids must be unique",
                "connector 'missing-env', settings.key: refers to environment variable NOT_SET, which is not set",
                "connector 'bad-enabled', enabled: must be true or false",
                "connector 'bad-settings', settings: must be an object of setting names and values",
                "connectors[9]: must be an object with id, plugin, merchantId and settings",
            ],
            errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("{ \"connectors\": ", "is not valid JSON at line 1")]
    [InlineData("[]", "must be an object with a \"connectors\" array")]
    [InlineData("{ \"connector\": [] }", "must be an object with a \"connectors\" array")]
    public void ConfigurationFile_BrokenFile_IsOneClearError(string json, string expected)
    {
        var (connectors, errors) = Parse(json);

        Assert.Empty(connectors);
        Assert.Contains(expected, Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationFile_MissingFile_SaysWhereItWasLookedFor()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");

        var (connectors, errors) = ConnectorConfigurationFile.Load(path);

        Assert.Empty(connectors);
        Assert.Contains(path, Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}
