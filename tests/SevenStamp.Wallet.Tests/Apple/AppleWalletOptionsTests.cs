using System.Net;
using SevenStamp.Loyalty;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Apple;

namespace SevenStamp.Wallet.Tests.Apple;

public sealed class AppleWalletOptionsTests : IDisposable
{
    private readonly AppleTestKit _kit = AppleTestKit.Create();

    [Fact]
    public void Validate_GoodSettings_Succeed()
    {
        var result = new AppleWalletOptionsValidator().Validate(null, PkpassTests.Options(_kit));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_BadSettings_NameEveryKey()
    {
        var options = PkpassTests.Options(_kit);
        options.PassTypeIdentifier = "com.example";
        options.TeamIdentifier = "short";
        options.WebServiceUrl = "http://cards.example.com/passkit";
        options.CertificatePassword = "s3cret-pw";
        options.BrandingRoot = Path.Combine(_kit.Directory.FullName, "missing");
        options.Apns.KeyId = string.Empty;
        options.Apns.KeyPath = _kit.RootPemPath;

        var result = new AppleWalletOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        foreach (var key in new[] { "PassTypeIdentifier", "TeamIdentifier", "WebServiceUrl", "CertificatePath", "BrandingRoot", "Apns:KeyId", "Apns:KeyPath" })
        {
            Assert.Contains($"SevenStamp:Wallet:Apple:{key}", result.FailureMessage, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("s3cret-pw", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://api.push.apple.com")]
    [InlineData("api.push.apple.com")]
    public void Validate_ApnsHostNotHttps_IsRefusedNamingTheKey(string host)
    {
        var options = PkpassTests.Options(_kit);
        options.Apns.Host = host;

        var result = new AppleWalletOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Contains("SevenStamp:Wallet:Apple:Apns:Host", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PassRequestsPerMinuteZero_IsRefusedNamingTheKey()
    {
        var options = PkpassTests.Options(_kit);
        options.PassRequestsPerMinute = 0;

        var result = new AppleWalletOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Contains("SevenStamp:Wallet:Apple:PassRequestsPerMinute", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadSettings_StopsTheHostNamingTheKey()
    {
        var settings = _kit.Settings("http://127.0.0.1:9");
        settings["SevenStamp:Wallet:Apple:WwdrCertificatePath"] = Path.Combine(_kit.Directory.FullName, "nope.cer");

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AppleHost.StartAsync(LoyaltyStoreProvider.Sqlite, settings));

        Assert.Contains("SevenStamp:Wallet:Apple:WwdrCertificatePath", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_AppleNotConfigured_Answers404SayingSo()
    {
        await using var host = await AppleHost.StartAsync(LoyaltyStoreProvider.Sqlite, new Dictionary<string, string?>());
        var card = await host.SeedCardAsync(1);

        using var response = await host.Client.GetAsync($"{host.Links.PathFor(card)}/apple.pkpass");
        using var webService = await host.Client.GetAsync($"/passkit/v1/devices/d/registrations/{AppleTestKit.PassTypeId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not enabled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, webService.StatusCode);
    }

    [Theory]
    [InlineData("2026-11-23T10:00:05.300Z", "2026-11-23T10:00:09Z", "2026-11-23T10:00:05Z")]
    [InlineData("2026-11-23T10:00:05.300Z", "2026-11-23T10:00:05.900Z", "2026-11-23T10:00:04Z")]
    public void LastModified_ChangeInTheRunningSecond_IsDatedASecondEarlier(string changed, string now, string expected)
    {
        var result = PassKitEndpoints.LastModified(DateTimeOffset.Parse(changed, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result);
    }

    public void Dispose() => _kit.Dispose();
}
