using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SevenStamp.Testing;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Wallet.Tests.Google;

public sealed class GoogleWalletOptionsTests
{
    [Fact]
    public void Validate_BadSettings_NamesEachKeyAndItsFix()
    {
        // Arrange
        var options = new GoogleWalletOptions
        {
            IssuerId = "issuer-abc",
            ServiceAccountKeyFile = "/nonexistent/key.json",
            ApiBaseUrl = "walletobjects",
            IssuerName = string.Empty,
            LogoUrl = "https://cafe.example/logo.png",
            BackgroundColor = "brown",
            Merchants = { ["cafe-2"] = new GoogleMerchantBranding { LogoUrl = "not a url" } },
        };

        // Act
        var result = new GoogleWalletOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        var text = string.Join("\n", result.Failures!);
        Assert.Contains("SevenStamp:Wallet:Google:IssuerId must be the issuer id", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:ServiceAccountKeyFile: no file at '/nonexistent/key.json'", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:ApiBaseUrl 'walletobjects' is not an absolute http(s) URL", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:IssuerName is empty", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:BackgroundColor 'brown' is not a colour; write it as #rrggbb", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:Merchants:cafe-2:LogoUrl", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("callbacks")]
    [InlineData("http://cards.example.com/wallet/google/callbacks")]
    [InlineData("https://cards.example.com/wallet/google/callbacks?x=1")]
    public void Validate_CallbackUrlNotAPublicHttpsUrl_NamesTheKey(string callbackUrl)
    {
        // Arrange
        var options = new GoogleWalletOptions { IssuerId = "3388000000012345678", CallbackUrl = callbackUrl, CallbackKeysUrl = "keys" };

        // Act
        var result = new GoogleWalletOptionsValidator().Validate(null, options);

        // Assert
        var text = string.Join("\n", result.Failures!);
        Assert.Contains($"SevenStamp:Wallet:Google:CallbackUrl '{callbackUrl}' must be the public https URL", text, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:CallbackKeysUrl 'keys' is not an absolute http(s) URL", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://cards.example.com/wallet/google/callbacks")]
    [InlineData("http://127.0.0.1:5000/wallet/google/callbacks")]
    public void Validate_CallbackUrlEmptyHttpsOrLoopback_NotNamed(string? callbackUrl)
    {
        // Arrange
        var options = new GoogleWalletOptions { IssuerId = "3388000000012345678", CallbackUrl = callbackUrl };

        // Act
        var result = new GoogleWalletOptionsValidator().Validate(null, options);

        // Assert: the other keys are missing, the callback URL is fine.
        Assert.DoesNotContain(result.Failures!, f => f.Contains("CallbackUrl", StringComparison.Ordinal) || f.Contains("CallbackKeysUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void AddWallet_SectionAbsent_LeavesGoogleOff()
    {
        // Arrange
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SevenStamp:Wallet:Apple:Other"] = "x" }).Build();

        // Act
        services.AddWallet(configuration);
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Null(provider.GetService<GoogleSaveLinks>());
        Assert.Null(provider.GetService<GoogleServiceAccount>());
    }

    [Fact]
    public void AddWallet_SectionPresentButIncomplete_FailsNamingTheKey()
    {
        // Arrange
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SevenStamp:Wallet:Google:IssuerId"] = "3388000000012345678" }).Build();
        services.AddWallet(configuration);
        using var provider = services.BuildServiceProvider();

        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GoogleWalletOptions>>().Value);

        // Assert
        Assert.Contains("SevenStamp:Wallet:Google:ServiceAccountKeyFile is empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Wallet:Google:LogoUrl is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKeyFile_NotAServiceAccountKey_NamesTheSettingAndTheFix()
    {
        // Arrange
        using var account = TestServiceAccount.Create(new Uri("http://127.0.0.1:9/token"));
        File.WriteAllText(account.KeyFile, """{ "type": "authorized_user", "client_id": "x", "refresh_token": "y" }""");

        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => GoogleServiceAccount.FromKeyFile(account.KeyFile, null));

        // Assert
        Assert.Contains("SevenStamp:Wallet:Google:ServiceAccountKeyFile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("service account's key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyFileThatIsNotJson_FailsAtStartNamingTheSetting()
    {
        // Arrange
        using var account = TestServiceAccount.Create(new Uri("http://127.0.0.1:9/token"));
        File.WriteAllText(account.KeyFile, "-----BEGIN PRIVATE KEY-----");
        var options = new GoogleWalletOptions { IssuerId = "3388000000012345678", ServiceAccountKeyFile = account.KeyFile, IssuerName = "Café", LogoUrl = "https://cafe.example/logo.png" };

        // Act
        var result = new GoogleWalletOptionsValidator().Validate(null, options);

        // Assert
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("SevenStamp:Wallet:Google:ServiceAccountKeyFile", failure, StringComparison.Ordinal);
        Assert.Contains("is not valid JSON", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKeyFile_TokenUrlSetting_OverridesTheKeyFilesTokenUri()
    {
        // Arrange
        using var account = TestServiceAccount.Create(new Uri("http://127.0.0.1:9/token"));

        // Act
        var fromFile = GoogleServiceAccount.FromKeyFile(account.KeyFile, null);
        var overridden = GoogleServiceAccount.FromKeyFile(account.KeyFile, "http://127.0.0.1:10/other-token");

        // Assert
        Assert.Equal((TestServiceAccount.Email, "http://127.0.0.1:9/token"), (fromFile.Email, fromFile.TokenUrl.ToString()));
        Assert.Equal("http://127.0.0.1:10/other-token", overridden.TokenUrl.ToString());
    }
}
