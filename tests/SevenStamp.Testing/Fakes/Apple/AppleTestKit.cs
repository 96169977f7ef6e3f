using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace SevenStamp.Testing.Apple;

/// <summary>
/// Everything an Apple pass needs, generated for one test in a temp folder (nothing committed): a root CA, a "WWDR"
/// intermediate it signs, a Pass Type ID certificate the intermediate signs (as .pfx and as PEM), an APNs .p8 key,
/// and a branding folder.
/// </summary>
public sealed class AppleTestKit : IDisposable
{
    public const string PassTypeId = "pass.com.example.sevenstamp";
    public const string TeamId = "TEAM123456";
    public const string KeyId = "KEY1234567";
    public const string PfxPassword = "test-pfx-password";

    private AppleTestKit(DirectoryInfo directory, ECDsa apnsKey)
    {
        Directory = directory;
        ApnsPublicKey = ECDsa.Create(apnsKey.ExportParameters(false));
    }

    public DirectoryInfo Directory { get; }

    public string RootPemPath => Path.Combine(Directory.FullName, "root.pem");

    public string WwdrPath => Path.Combine(Directory.FullName, "wwdr.cer");

    public string PfxPath => Path.Combine(Directory.FullName, "pass.pfx");

    public string CertPemPath => Path.Combine(Directory.FullName, "pass.pem");

    public string KeyPemPath => Path.Combine(Directory.FullName, "pass.key");

    public string ApnsKeyPath => Path.Combine(Directory.FullName, "apns.p8");

    public string BrandingRoot => Path.Combine(Directory.FullName, "branding");

    public ECDsa ApnsPublicKey { get; }

    public static AppleTestKit Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("sevenstamp-apple-");
        var now = DateTimeOffset.UtcNow;

        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=SevenStamp Test Root CA", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));

        using var wwdrKey = RSA.Create(2048);
        var wwdrRequest = new CertificateRequest("CN=Test Worldwide Developer Relations CA, OU=G4, O=Test", wwdrKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        wwdrRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        wwdrRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        wwdrRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(wwdrRequest.PublicKey, false));
        wwdrRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var wwdrPublic = wwdrRequest.Create(root, now.AddDays(-1), now.AddYears(1), [1, 2, 3, 4]);
        using var wwdr = wwdrPublic.CopyWithPrivateKey(wwdrKey);

        using var passKey = RSA.Create(2048);
        var passRequest = new CertificateRequest($"UID={PassTypeId}, CN=Pass Type ID: {PassTypeId}, OU={TeamId}, O=Test Merchant", passKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        passRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        passRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        passRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(wwdr, true, false));
        using var passPublic = passRequest.Create(wwdr, now.AddDays(-1), now.AddMonths(6), [5, 6, 7, 8]);
        using var pass = passPublic.CopyWithPrivateKey(passKey);

        var apnsKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kit = new AppleTestKit(directory, apnsKey);
        File.WriteAllText(kit.RootPemPath, root.ExportCertificatePem());
        File.WriteAllBytes(kit.WwdrPath, wwdr.Export(X509ContentType.Cert));
        File.WriteAllBytes(kit.PfxPath, pass.Export(X509ContentType.Pkcs12, PfxPassword));
        File.WriteAllText(kit.CertPemPath, pass.ExportCertificatePem());
        File.WriteAllText(kit.KeyPemPath, passKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(kit.ApnsKeyPath, apnsKey.ExportPkcs8PrivateKeyPem());
        apnsKey.Dispose();

        var defaults = System.IO.Directory.CreateDirectory(Path.Combine(kit.BrandingRoot, "default"));
        File.WriteAllBytes(Path.Combine(defaults.FullName, "icon.png"), Png("default-icon"));
        File.WriteAllBytes(Path.Combine(defaults.FullName, "logo.png"), Png("default-logo"));
        var merchant = System.IO.Directory.CreateDirectory(Path.Combine(kit.BrandingRoot, "cafe-1"));
        File.WriteAllBytes(Path.Combine(merchant.FullName, "logo.png"), Png("cafe-logo"));
        File.WriteAllBytes(Path.Combine(merchant.FullName, "strip.png"), Png("cafe-strip"));
        return kit;
    }

    /// <summary>Bytes standing in for an image: a PNG signature and a label (Wallet's images are not parsed here).</summary>
    public static byte[] Png(string label) => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Encoding.ASCII.GetBytes(label)];

    /// <summary>The <c>SevenStamp:Wallet:Apple</c> settings for this kit.</summary>
    public Dictionary<string, string?> Settings(string apnsHost, string webServiceUrl = "http://127.0.0.1/passkit") => new()
    {
        ["SevenStamp:Wallet:Apple:PassTypeIdentifier"] = PassTypeId,
        ["SevenStamp:Wallet:Apple:TeamIdentifier"] = TeamId,
        ["SevenStamp:Wallet:Apple:OrganizationName"] = "Test Café",
        ["SevenStamp:Wallet:Apple:WebServiceUrl"] = webServiceUrl,
        ["SevenStamp:Wallet:Apple:CertificatePath"] = PfxPath,
        ["SevenStamp:Wallet:Apple:CertificatePassword"] = PfxPassword,
        ["SevenStamp:Wallet:Apple:WwdrCertificatePath"] = WwdrPath,
        ["SevenStamp:Wallet:Apple:BrandingRoot"] = BrandingRoot,
        ["SevenStamp:Wallet:Apple:Apns:KeyId"] = KeyId,
        ["SevenStamp:Wallet:Apple:Apns:KeyPath"] = ApnsKeyPath,
        ["SevenStamp:Wallet:Apple:Apns:Host"] = apnsHost,
        ["SevenStamp:Wallet:Apple:Apns:RetryDelay"] = "00:00:00.050",
    };

    /// <summary>The files of a .pkpass by name.</summary>
    public static Dictionary<string, byte[]> Unzip(byte[] pkpass)
    {
        using var archive = new ZipArchive(new MemoryStream(pkpass), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    public static JsonElement PassJson(byte[] pkpass) => JsonDocument.Parse(Unzip(pkpass)["pass.json"]).RootElement.Clone();

    public void Dispose()
    {
        ApnsPublicKey.Dispose();
        Directory.Delete(recursive: true);
    }
}
