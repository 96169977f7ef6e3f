using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Queries;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Apple;

namespace SevenStamp.Wallet.Tests.Apple;

public sealed class PkpassTests : IDisposable
{
    private const string Token = "token-0123456789-0123456789-0123456789";
    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private readonly AppleWalletOptions _options;
    private readonly AppleWalletCredentials _credentials;
    private readonly PkpassBuilder _builder;

    public PkpassTests()
    {
        _options = Options(_kit);
        _credentials = AppleWalletCredentials.Load(_options);
        _builder = new PkpassBuilder(_options, _credentials, new PassBranding(_kit.BrandingRoot), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)));
    }

    internal static AppleWalletOptions Options(AppleTestKit kit) => new()
    {
        PassTypeIdentifier = AppleTestKit.PassTypeId,
        TeamIdentifier = AppleTestKit.TeamId,
        OrganizationName = "Test Café",
        WebServiceUrl = "https://cards.example.com/passkit/",
        CertificatePath = kit.PfxPath,
        CertificatePassword = AppleTestKit.PfxPassword,
        WwdrCertificatePath = kit.WwdrPath,
        BrandingRoot = kit.BrandingRoot,
        Apns = new AppleApnsOptions { KeyId = AppleTestKit.KeyId, KeyPath = kit.ApnsKeyPath },
    };

    private static CardSnapshot Card(int stamps, params VoucherSnapshot[] vouchers) =>
        new(Guid.NewGuid(), "cafe-1", Guid.NewGuid(), "Coffee card", "A free coffee", 10, stamps, 0, DateTimeOffset.UtcNow, vouchers);

    private static VoucherSnapshot Voucher(int cycle, string code, VoucherState state, DateTimeOffset? expires = null) =>
        new(Guid.NewGuid(), cycle, code, "A free coffee", state, DateTimeOffset.UtcNow.AddDays(-1), expires, state == VoucherState.Issued ? null : DateTimeOffset.UtcNow);

    [Fact]
    public void Build_Pkpass_HasTheZipLayoutAndManifestHashesOfEveryFile()
    {
        // Act
        var files = AppleTestKit.Unzip(_builder.Build(Card(3), Token));

        // Assert: pass.json, the merchant's images over the defaults, a pass.strings per language, the manifest and the signature.
        string[] languages = ["en.lproj/pass.strings", "fa.lproj/pass.strings", "he.lproj/pass.strings", "kk.lproj/pass.strings", "uz.lproj/pass.strings", "zh-Hans.lproj/pass.strings"];
        Assert.Equal(new[] { "icon.png", "logo.png", "manifest.json", "pass.json", "signature", "strip.png" }.Concat(languages).Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AppleTestKit.Png("cafe-logo"), files["logo.png"]);
        Assert.Equal(AppleTestKit.Png("default-icon"), files["icon.png"]);
        var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(files["manifest.json"])!;
        Assert.Equal(new[] { "icon.png", "logo.png", "pass.json", "strip.png" }.Concat(languages).Order(StringComparer.Ordinal), manifest.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, hash) in manifest)
        {
#pragma warning disable CA5350 // Apple's manifest format is SHA-1.
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(files[name])), hash);
#pragma warning restore CA5350
        }
    }

    [Fact]
    public async Task Build_Signature_VerifiesWithOpensslAgainstTheTestRootAndFailsAfterTheManifestChanges()
    {
        // Arrange
        var files = AppleTestKit.Unzip(_builder.Build(Card(3), Token));
        var folder = Directory.CreateDirectory(Path.Combine(_kit.Directory.FullName, "unzipped"));
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "signature"), files["signature"]);
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "manifest.json"), files["manifest.json"]);
        var tampered = files["manifest.json"].ToArray();
        tampered[10] ^= 0x01;
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "tampered.json"), tampered);

        // Act
        var (good, goodOutput) = await OpensslVerifyAsync(folder.FullName, "manifest.json");
        var (bad, _) = await OpensslVerifyAsync(folder.FullName, "tampered.json");

        // Assert
        Assert.True(good == 0, goodOutput);
        Assert.NotEqual(0, bad);
    }

    [Fact]
    public void Build_Signature_CarriesTheWwdrIntermediateAndTheSigningTime()
    {
        var files = AppleTestKit.Unzip(_builder.Build(Card(3), Token));

        var cms = new System.Security.Cryptography.Pkcs.SignedCms(new System.Security.Cryptography.Pkcs.ContentInfo(files["manifest.json"]), detached: true);
        cms.Decode(files["signature"]);
        cms.CheckSignature(verifySignatureOnly: true);

        Assert.Contains(cms.Certificates, c => c.Thumbprint == _credentials.Wwdr.Thumbprint);
        Assert.Contains(cms.Certificates, c => c.Thumbprint == _credentials.PassCertificate.Thumbprint);
        var signingTime = cms.SignerInfos[0].SignedAttributes.Cast<System.Security.Cryptography.CryptographicAttributeObject>()
            .Single(a => a.Oid.Value == "1.2.840.113549.1.9.5").Values[0];
        Assert.Equal(new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc), ((System.Security.Cryptography.Pkcs.Pkcs9SigningTime)signingTime).SigningTime);
    }

    [Fact]
    public void Build_HebrewPassStrings_TranslateEveryPhraseOfPassJsonButTheMerchantsText()
    {
        // Arrange: a ready voucher with an expiry, and stamps owed: every kind of field the pass has.
        var card = Card(3, Voucher(1, "FREE-7KQ2", VoucherState.Issued, new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero))) with { Debt = 2 };

        // Act
        var files = AppleTestKit.Unzip(_builder.Build(card, Token));
        var hebrew = PassStrings(files["he.lproj/pass.strings"]);
        var english = PassStrings(files["en.lproj/pass.strings"]);
        var pass = AppleTestKit.PassJson(_builder.Build(card, Token));

        // Assert: UTF-16 with a byte order mark; each label and phrase of pass.json has its Hebrew line, in Hebrew letters.
        Assert.Equal([0xFF, 0xFE], files["he.lproj/pass.strings"][..2]);
        Assert.Equal("חותמות", hebrew["Stamps"]);
        Assert.Equal("השובר שלך בתוקף עד %@", hebrew["Your voucher is valid until %@"]);
        Assert.Equal("אספו 10 חותמות וקבלו: A free coffee. הציגו את הקוד בקופה כדי לממש את השובר.", hebrew["Collect 10 stamps for: A free coffee. Show the code at the till to redeem your voucher."]);
        var phrases = new[] { "primaryFields", "secondaryFields", "auxiliaryFields", "backFields" }
            .SelectMany(group => pass.GetProperty("storeCard").GetProperty(group).EnumerateArray())
            .SelectMany(f => new[] { f.GetProperty("label").GetString(), f.TryGetProperty("changeMessage", out var m) ? m.GetString() : null })
            .Append(pass.GetProperty("description").GetString())
            .OfType<string>()
            .ToList();
        Assert.All(phrases, phrase => Assert.True(hebrew.TryGetValue(phrase, out var translated) && translated.Any(c => c is >= '\u05D0' and <= '\u05EA'), $"no Hebrew for '{phrase}'"));
        Assert.All(english, line => Assert.Equal(line.Key, line.Value));
    }

    [Fact]
    public void Build_ExpiryReminderSent_NewsFieldCarriesTheReminderAndAChangeMessageInEveryLanguage()
    {
        // Arrange: the same card before and after its voucher's expiry reminder.
        var expires = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var voucher = Voucher(1, "FREE-7KQ2", VoucherState.Issued, expires);
        var before = Card(3, voucher);
        var after = Card(3, voucher with { ReminderSentAt = expires.AddDays(-3) }) with { Reminder = new PassReminder(PassReminderKind.VoucherExpiringSoon, expires.AddDays(-3), expires) };

        // Act
        var quiet = Field(AppleTestKit.PassJson(_builder.Build(before, Token)), "backFields", "news");
        var files = AppleTestKit.Unzip(_builder.Build(after, Token));
        var reminded = Field(AppleTestKit.PassJson(_builder.Build(after, Token)), "backFields", "news");

        // Assert: the field is always there; only the reminder makes Wallet announce its change.
        Assert.Equal("Collect a stamp at every visit.", quiet.GetProperty("value").GetString());
        Assert.False(quiet.TryGetProperty("changeMessage", out _));
        const string text = "Your voucher “A free coffee” expires on Thursday, 26 November 2026. Use it before then!";
        Assert.Equal((text, "%@"), (reminded.GetProperty("value").GetString(), reminded.GetProperty("changeMessage").GetString()));
        var hebrew = PassStrings(files["he.lproj/pass.strings"]);
        Assert.Contains("A free coffee", hebrew[text], StringComparison.Ordinal);
        Assert.Contains(hebrew[text], c => c is >= '\u05D0' and <= '\u05EA');
        var quietFiles = AppleTestKit.Unzip(_builder.Build(before, Token));
        Assert.Contains("个印章", PassStrings(quietFiles["zh-Hans.lproj/pass.strings"])["Collect a stamp at every visit."], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PassJson_HasApplesTopLevelKeysAndTheStampFields()
    {
        var card = Card(3);

        var pass = AppleTestKit.PassJson(_builder.Build(card, Token));

        Assert.Equal(1, pass.GetProperty("formatVersion").GetInt32());
        Assert.Equal(AppleTestKit.PassTypeId, pass.GetProperty("passTypeIdentifier").GetString());
        Assert.Equal(card.CardId.ToString("N"), pass.GetProperty("serialNumber").GetString());
        Assert.Equal(AppleTestKit.TeamId, pass.GetProperty("teamIdentifier").GetString());
        Assert.Equal("Test Café", pass.GetProperty("organizationName").GetString());
        Assert.Equal("Coffee card stamp card", pass.GetProperty("description").GetString());
        Assert.Equal("https://cards.example.com/passkit", pass.GetProperty("webServiceURL").GetString());
        Assert.Equal(Token, pass.GetProperty("authenticationToken").GetString());
        Assert.False(pass.TryGetProperty("voided", out _));
        Assert.False(pass.TryGetProperty("expirationDate", out _));
        var stamps = pass.GetProperty("storeCard").GetProperty("primaryFields")[0];
        Assert.Equal(("stamps", "3/10"), (stamps.GetProperty("key").GetString(), stamps.GetProperty("value").GetString()));
        Assert.Contains("%@", stamps.GetProperty("changeMessage").GetString(), StringComparison.Ordinal);
        var voucher = Field(pass, "secondaryFields", "voucher");
        Assert.Contains("%@", voucher.GetProperty("changeMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("%@", Field(pass, "auxiliaryFields", "voucherState").GetProperty("changeMessage").GetString(), StringComparison.Ordinal);
        // No voucher yet: the barcode is the card.
        var barcode = pass.GetProperty("barcodes")[0];
        Assert.Equal("PKBarcodeFormatQR", barcode.GetProperty("format").GetString());
        Assert.Equal(card.CardId.ToString("N"), barcode.GetProperty("message").GetString());
    }

    [Fact]
    public void Build_ReadyVoucher_IsTheQrCodeWithItsRedeemCodeAndExpiry()
    {
        var expires = new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero);
        var card = Card(0, Voucher(1, "FREE-7KQ2", VoucherState.Issued, expires));

        var pass = AppleTestKit.PassJson(_builder.Build(card, Token));

        var barcode = pass.GetProperty("barcodes")[0];
        Assert.Equal(("FREE-7KQ2", "FREE-7KQ2", "iso-8859-1"), (barcode.GetProperty("message").GetString(), barcode.GetProperty("altText").GetString(), barcode.GetProperty("messageEncoding").GetString()));
        Assert.Equal("FREE-7KQ2", Field(pass, "secondaryFields", "voucher").GetProperty("value").GetString());
        Assert.Equal("Ready to use", Field(pass, "auxiliaryFields", "voucherState").GetProperty("value").GetString());
        Assert.Equal("2026-12-31T23:00:00Z", Field(pass, "auxiliaryFields", "voucherExpires").GetProperty("value").GetString());
        Assert.False(pass.TryGetProperty("voided", out _));
    }

    [Theory]
    [InlineData(VoucherState.Redeemed, "Redeemed")]
    [InlineData(VoucherState.Expired, "Expired")]
    [InlineData(VoucherState.Voided, "Cancelled")]
    public void Build_EndedVoucherWithNoNewerOne_ShowsItsStateButTheCardStaysValid(VoucherState state, string text)
    {
        var card = Card(2, Voucher(1, "FREE-7KQ2", state));

        var pass = AppleTestKit.PassJson(_builder.Build(card, Token));

        Assert.Equal(text, Field(pass, "auxiliaryFields", "voucherState").GetProperty("value").GetString());
        Assert.Equal("FREE-7KQ2", Field(pass, "secondaryFields", "voucher").GetProperty("value").GetString());
        // A dead code is never the barcode: the card is.
        Assert.Equal(card.CardId.ToString("N"), pass.GetProperty("barcodes")[0].GetProperty("message").GetString());
        Assert.False(pass.TryGetProperty("voided", out _));
        Assert.False(pass.TryGetProperty("expirationDate", out _));
    }

    [Fact]
    public void Build_OlderReadyVoucher_IsFeaturedOverANewerRedeemedOne()
    {
        var card = Card(0, Voucher(2, "NEW-REDEEMED", VoucherState.Redeemed), Voucher(1, "OLD-READY", VoucherState.Issued));

        var pass = AppleTestKit.PassJson(_builder.Build(card, Token));

        Assert.Equal("OLD-READY", pass.GetProperty("barcodes")[0].GetProperty("message").GetString());
    }

    [Fact]
    public void BuildVoided_CardNoLongerExists_IsVoided()
    {
        var serial = Guid.NewGuid();

        var pass = AppleTestKit.PassJson(_builder.BuildVoided(serial, Token));

        Assert.True(pass.GetProperty("voided").GetBoolean());
        Assert.Equal(serial.ToString("N"), pass.GetProperty("serialNumber").GetString());
        Assert.Equal(Token, pass.GetProperty("authenticationToken").GetString());
        // Expired as of now (the builder's clock), so Wallet also files it away as no longer valid.
        Assert.True(pass.TryGetProperty("expirationDate", out var expiration), "A voided pass must carry expirationDate.");
        Assert.Equal("2026-11-23T10:00:00Z", expiration.GetString());
    }

    [Theory]
    [InlineData("../cafe-1")]
    [InlineData("..")]
    [InlineData("/etc")]
    [InlineData("cafe-1/../../x")]
    public void ImagesFor_MerchantIdLeavingTheRoot_GetsOnlyTheDefaults(string merchantId)
    {
        var images = new PassBranding(_kit.BrandingRoot).ImagesFor(merchantId);

        Assert.All(images.Values, path => Assert.StartsWith(Path.Combine(_kit.BrandingRoot, "default"), path, StringComparison.Ordinal));
        Assert.Contains("icon.png", images.Keys);
    }

    [Fact]
    public void ImagesFor_SymlinkedMerchantFolderLeavingTheRoot_IsRefused()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_kit.Directory.FullName, "outside"));
        File.WriteAllBytes(Path.Combine(outside.FullName, "logo.png"), AppleTestKit.Png("outside"));
        Directory.CreateSymbolicLink(Path.Combine(_kit.BrandingRoot, "evil"), outside.FullName);

        var images = new PassBranding(_kit.BrandingRoot).ImagesFor("evil");

        Assert.StartsWith(Path.Combine(_kit.BrandingRoot, "default"), images["logo.png"], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemCertificateAndKey_SignsLikeThePfx()
    {
        var options = Options(_kit);
        options.CertificatePath = null;
        options.CertificatePemPath = _kit.CertPemPath;
        options.CertificateKeyPath = _kit.KeyPemPath;

        using var credentials = AppleWalletCredentials.Load(options);

        Assert.True(credentials.PassCertificate.HasPrivateKey);
        Assert.Equal(_credentials.PassCertificate.Thumbprint, credentials.PassCertificate.Thumbprint);
    }

    private static JsonElement Field(JsonElement pass, string group, string key) =>
        pass.GetProperty("storeCard").GetProperty(group).EnumerateArray().Single(f => f.GetProperty("key").GetString() == key);

    private async Task<(int ExitCode, string Output)> OpensslVerifyAsync(string folder, string content)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "cms", "-verify", "-binary", "-inform", "DER", "-in", "signature", "-content", content, "-CAfile", _kit.RootPemPath, "-purpose", "any", "-out", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        _credentials.Dispose();
        _kit.Dispose();
    }

    /// <summary>The lines of an Apple pass.strings file (UTF-16), key to value; keys and values hold no quotes here.</summary>
    private static Dictionary<string, string> PassStrings(byte[] file) =>
        System.Text.Encoding.Unicode.GetString(file.AsSpan(2)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("\" = \"", 2))
            .ToDictionary(parts => parts[0].TrimStart('"'), parts => parts[1].TrimEnd(';').TrimEnd('"'), StringComparer.Ordinal);
}
