namespace SevenStamp.Connectors.Sdk.Tests;

public class ManifestTests
{
    [Fact]
    public void Parse_CompleteManifest_Parses()
    {
        var manifest = ConnectorManifest.Parse("""{ "id": "square", "name": "Square", "version": "1.2.3", "sdkVersion": "1.0", "description": "d" }""", "square/connector.json");

        Assert.Equal("square", manifest.Id);
        Assert.Equal(new Version(1, 2, 3), manifest.Version);
        Assert.Equal(new Version(1, 0), manifest.SdkVersion);
    }

    [Theory]
    [InlineData("""{ "name": "X", "version": "1.0", "sdkVersion": "1.0" }""", "field 'id' is missing")]
    [InlineData("""{ "id": "Bad Id", "name": "X", "version": "1.0", "sdkVersion": "1.0" }""", "field 'id' is 'Bad Id'")]
    [InlineData("""{ "id": "x", "version": "1.0", "sdkVersion": "1.0" }""", "field 'name' is missing")]
    [InlineData("""{ "id": "x", "name": "X", "version": "one", "sdkVersion": "1.0" }""", "field 'version' is 'one'")]
    [InlineData("""{ "id": "x", "name": "X", "version": "1.0" }""", "field 'sdkVersion' is missing")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{ "id": """, "is not valid JSON")]
    public void Parse_BadManifest_NamesTheField(string json, string expected)
    {
        var ex = Assert.Throws<ConnectorManifestException>(() => ConnectorManifest.Parse(json, "p/connector.json"));

        Assert.StartsWith("p/connector.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1.1", true)]
    [InlineData("2.0", false)]
    [InlineData("0.9", false)]
    public void SdkCompatibility_MajorAndMinorVersions_FollowTheRule(string version, bool compatible)
    {
        Assert.Equal(compatible, SdkInfo.IsCompatible(Version.Parse(version)));
        Assert.False(SdkInfo.IsCompatible(new Version(SdkInfo.AbiVersion.Major, SdkInfo.AbiVersion.Minor + 1)));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("shop-webhook-2", true)]
    [InlineData("-shop", false)]
    [InlineData("shop-", false)]
    [InlineData("Shop", false)]
    [InlineData("../etc", false)]
    [InlineData("", false)]
    public void Parse_Id_MustBeALowerCaseSlug(string id, bool valid) => Assert.Equal(valid, ConnectorManifest.IsValidId(id));
}
