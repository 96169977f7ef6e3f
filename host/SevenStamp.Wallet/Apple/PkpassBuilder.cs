using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using SevenStamp.Http.Localization;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Builds the signed <c>.pkpass</c> of a card: a zip of <c>pass.json</c> (a storeCard), the images,
/// <c>manifest.json</c> (the SHA-1 of every file) and <c>signature</c> (a detached CMS signature of the manifest
/// made with the Pass Type ID certificate, carrying the WWDR intermediate).
/// </summary>
/// <remarks>
/// What the pass shows: the stamps toward the goal; the reward; the featured voucher (the oldest one still
/// redeemable, else the newest) with its Redeem Code and state. While that voucher is redeemable the barcode is a QR
/// code of its Redeem Code; otherwise the barcode is the card's id, so a cashier never scans a used or dead code. A
/// voucher that ends (redeemed, expired, voided) shows its state on the pass; the pass itself stays valid because
/// the card keeps collecting stamps. The pass is <c>voided</c> only when its card no longer exists.
/// </remarks>
public sealed partial class PkpassBuilder(AppleWalletOptions options, AppleWalletCredentials credentials, PassBranding branding, TimeProvider time)
{
    public const string ContentType = "application/vnd.apple.pkpass";

    /// <summary>The pass of <paramref name="card"/>, carrying <paramref name="authenticationToken"/>.</summary>
    public byte[] Build(CardSnapshot card, string authenticationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        var phrases = new PassPhrases();
        return Package(PassJson(card, authenticationToken, phrases), branding.ImagesFor(card.MerchantId), phrases);
    }

    /// <summary>The pass of a card that no longer exists: voided, so Wallet shows it as no longer valid.</summary>
    public byte[] BuildVoided(Guid serialNumber, string authenticationToken)
    {
        var phrases = new PassPhrases();
        return Package(VoidedPassJson(serialNumber, authenticationToken, phrases), branding.ImagesFor(PassBranding.DefaultFolder), phrases);
    }

    internal static bool IsColor(string value) => ColorPattern().IsMatch(value);

    /// <summary>The text of a voucher state on the pass.</summary>
    internal static string StateText(VoucherState state, PassPhrases say) => state switch
    {
        VoucherState.Issued => say.Say("Ready to use"),
        VoucherState.Redeemed => say.Say("Redeemed"),
        VoucherState.Expired => say.Say("Expired"),
        VoucherState.Voided => say.Say("Cancelled"),
        _ => state.ToString(),
    };

    internal byte[] PassJson(CardSnapshot card, string authenticationToken, PassPhrases say)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteHeader(json, card.CardId, authenticationToken, say.Say("{0} stamp card", card.ProgramName));
            json.WriteString("logoText", card.ProgramName);

            var featured = card.Featured;
            var redeemable = featured is { State: VoucherState.Issued };
            json.WriteStartArray("barcodes");
            json.WriteStartObject();
            json.WriteString("format", "PKBarcodeFormatQR");
            json.WriteString("message", redeemable ? featured!.RedeemCode : card.CardId.ToString("N"));
            json.WriteString("messageEncoding", "iso-8859-1");
            json.WriteString("altText", redeemable ? featured!.RedeemCode : say.Say("Card {0}", card.CardId.ToString("N")[..8].ToUpperInvariant()));
            json.WriteEndObject();
            json.WriteEndArray();

            json.WriteStartObject("storeCard");
            json.WriteStartArray("primaryFields");
            Field(json, "stamps", say.Say("Stamps"), $"{card.Stamps}/{card.Goal}", say.Say("Stamps: %@"));
            json.WriteEndArray();

            json.WriteStartArray("secondaryFields");
            Field(json, "reward", say.Say("Reward"), card.Reward, null);
            Field(json, "voucher", say.Say("Voucher"), featured?.RedeemCode ?? say.Say("{0} stamps to go", Math.Max(0, card.Goal - card.Stamps)), say.Say("Your voucher: %@"));
            json.WriteEndArray();

            json.WriteStartArray("auxiliaryFields");
            Field(json, "voucherState", say.Say("Status"), featured is null ? say.Say("Collecting") : StateText(featured.State, say), say.Say("Voucher: %@"));
            if (featured is { State: VoucherState.Issued, ExpiresAt: { } expires })
            {
                json.WriteStartObject();
                json.WriteString("key", "voucherExpires");
                json.WriteString("label", say.Say("Valid until"));
                json.WriteString("value", W3CDate(expires));
                json.WriteString("dateStyle", "PKDateStyleMedium");
                json.WriteString("changeMessage", say.Say("Your voucher is valid until %@"));
                json.WriteEndObject();
            }
            else if (featured is { ClosedAt: { } closed })
            {
                json.WriteStartObject();
                json.WriteString("key", "voucherClosed");
                json.WriteString("label", StateText(featured.State, say));
                json.WriteString("value", W3CDate(closed));
                json.WriteString("dateStyle", "PKDateStyleMedium");
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartArray("backFields");
            Field(json, "howItWorks", say.Say("How it works"), say.Say("Collect {0} stamps for: {1}. Show the code at the till to redeem your voucher.", card.Goal, card.Reward), null);
            if (card.Debt > 0)
            {
                Field(json, "debt", say.Say("Stamps owed"), say.Say("{0} (after a refund; new stamps pay these back first)", card.Debt), say.Say("Stamps owed: %@"));
            }

            var open = card.Vouchers.Count(v => v.State == VoucherState.Issued);
            Field(json, "vouchers", say.Say("Vouchers ready"), open.ToString(CultureInfo.InvariantCulture), null);

            // Always there, so that a reminder changes its value: Wallet shows the change on the lock screen. Only a
            // reminder carries the change message; the field going quiet again says nothing.
            var news = PassNews.Of(card, say);
            Field(json, "news", say.Say("News"), news ?? say.Say("Collect a stamp at every visit."), news is null ? null : "%@");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private byte[] VoidedPassJson(Guid serialNumber, string authenticationToken, PassPhrases say)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteHeader(json, serialNumber, authenticationToken, say.Say("Stamp card"));
            json.WriteBoolean("voided", true);
            json.WriteString("expirationDate", W3CDate(time.GetUtcNow()));
            json.WriteStartObject("storeCard");
            json.WriteStartArray("primaryFields");
            Field(json, "stamps", say.Say("Stamps"), say.Say("This card is no longer active"), "%@");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private void WriteHeader(Utf8JsonWriter json, Guid serialNumber, string authenticationToken, string description)
    {
        json.WriteNumber("formatVersion", 1);
        json.WriteString("passTypeIdentifier", options.PassTypeIdentifier);
        json.WriteString("serialNumber", serialNumber.ToString("N"));
        json.WriteString("teamIdentifier", options.TeamIdentifier);
        json.WriteString("organizationName", options.OrganizationName);
        json.WriteString("description", description);
        json.WriteString("webServiceURL", options.WebServiceUrl.TrimEnd('/'));
        json.WriteString("authenticationToken", authenticationToken);
        json.WriteBoolean("sharingProhibited", true);
        foreach (var (key, value) in new[] { ("foregroundColor", options.ForegroundColor), ("backgroundColor", options.BackgroundColor), ("labelColor", options.LabelColor) })
        {
            if (value is not null)
            {
                json.WriteString(key, value);
            }
        }
    }

    private static void Field(Utf8JsonWriter json, string key, string label, string value, string? changeMessage)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteString("label", label);
        json.WriteString("value", value);
        if (changeMessage is not null)
        {
            json.WriteString("changeMessage", changeMessage);
        }

        json.WriteEndObject();
    }

    /// <summary>An instant as pass.json wants it: W3C date-time with seconds and an explicit offset.</summary>
    private static string W3CDate(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The signed zip: pass.json, the images, one <c>&lt;lang&gt;.lproj/pass.strings</c> per language customers read
    /// (Wallet shows the device's language; pass.json is English, which <c>en.lproj</c> declares), the manifest and
    /// the signature.
    /// </summary>
    private byte[] Package(byte[] passJson, IReadOnlyDictionary<string, string> images, PassPhrases phrases)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { ["pass.json"] = passJson };
        foreach (var language in PeopleLanguages.Tags)
        {
            files[$"{language}.lproj/pass.strings"] = phrases.AppleStrings(language);
        }

        foreach (var (name, path) in images)
        {
            files[name] = File.ReadAllBytes(path);
        }

        using var manifestBuffer = new MemoryStream();
        using (var manifest = new Utf8JsonWriter(manifestBuffer, new JsonWriterOptions { Indented = true }))
        {
            manifest.WriteStartObject();
            foreach (var (name, content) in files)
            {
#pragma warning disable CA5350 // Apple's manifest format is defined as SHA-1 hex digests; the signature over it uses SHA-256.
                manifest.WriteString(name, Convert.ToHexStringLower(SHA1.HashData(content)));
#pragma warning restore CA5350
            }

            manifest.WriteEndObject();
        }

        var manifestBytes = manifestBuffer.ToArray();
        var signature = Sign(manifestBytes);

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files.Append(new("manifest.json", manifestBytes)).Append(new("signature", signature)))
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return zip.ToArray();
    }

    /// <summary>A detached CMS (PKCS#7) signature of the manifest: signer certificate and WWDR in the certificate bag, with the signing time.</summary>
    internal byte[] Sign(byte[] manifest)
    {
        var cms = new SignedCms(new ContentInfo(manifest), detached: true);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, credentials.PassCertificate)
        {
            IncludeOption = X509IncludeOption.EndCertOnly,
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"), // SHA-256
        };
        signer.Certificates.Add(credentials.Wwdr);
        signer.SignedAttributes.Add(new Pkcs9SigningTime(time.GetUtcNow().UtcDateTime));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    [GeneratedRegex(@"^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ColorPattern();
}
