using System.Text.Json;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

public sealed class JsonPathTests
{
    private static readonly JsonElement Document = JsonDocument.Parse("""
        { "a": { "b-c": [ { "x": 1 }, { "x": 2 }, { "x": null } ], "with space": "s" }, "n": null }
        """).RootElement;

    [Theory]
    [InlineData("$.a['with space']", "\"s\"")]
    [InlineData("$[\"a\"].b-c[1].x", "2")]
    [InlineData("$.a.b-c[*].x", "1,2")]
    [InlineData("$.a.b-c[9].x", "")]
    [InlineData("$.n", "")]
    [InlineData("$.missing.deeper", "")]
    [InlineData("$.a.*", "[ { \"x\": 1 }, { \"x\": 2 }, { \"x\": null } ],\"s\"")]
    public void JsonPath_SupportedPaths_SelectWhatTheyName(string path, string expected)
    {
        var parsed = JsonPath.TryParse(path, out var problem);

        Assert.Null(problem);
        Assert.Equal(expected, string.Join(",", parsed!.SelectAll(Document).Select(e => e.GetRawText())));
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("$..a")]
    [InlineData("$.a[")]
    [InlineData("$.a[-1]")]
    [InlineData("$.a[?(@.x)]")]
    [InlineData("$.a[1:2]")]
    [InlineData("$.a b")]
    [InlineData("")]
    public void JsonPath_UnsupportedOrMalformedPaths_AreRefusedWithAReason(string path)
    {
        Assert.Null(JsonPath.TryParse(path, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }
}
