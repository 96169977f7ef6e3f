using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SevenStamp.Wallet.Apple;

/// <summary>The keys Apple passes need, loaded once: the Pass Type ID certificate with its key, the WWDR intermediate and the APNs key.</summary>
public sealed class AppleWalletCredentials : IDisposable
{
    private AppleWalletCredentials(X509Certificate2 passCertificate, X509Certificate2 wwdr, ECDsa apnsKey)
    {
        PassCertificate = passCertificate;
        Wwdr = wwdr;
        ApnsKey = apnsKey;
    }

    public X509Certificate2 PassCertificate { get; }

    public X509Certificate2 Wwdr { get; }

    public ECDsa ApnsKey { get; }

    /// <summary>Loads the credentials; throws <see cref="InvalidOperationException"/> naming the key of the first bad one.</summary>
    public static AppleWalletCredentials Load(AppleWalletOptions options)
    {
        var errors = new List<string>();
        var loaded = TryLoad(options, errors);
        return loaded ?? throw new InvalidOperationException(string.Join(" ", errors));
    }

    /// <summary>Loads the credentials, adding one message per problem (naming the setting) to <paramref name="errors"/>.</summary>
    internal static AppleWalletCredentials? TryLoad(AppleWalletOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Section = AppleWalletOptions.SectionName;
        var pass = LoadPassCertificate(options, errors);
        X509Certificate2? wwdr = null;
        if (string.IsNullOrWhiteSpace(options.WwdrCertificatePath))
        {
            errors.Add($"{Section}:WwdrCertificatePath is required: the path of Apple's WWDR intermediate certificate (.cer, DER or PEM) that issued the Pass Type ID certificate.");
        }
        else if (!File.Exists(options.WwdrCertificatePath))
        {
            errors.Add($"{Section}:WwdrCertificatePath: no file at '{options.WwdrCertificatePath}'.");
        }
        else
        {
            try
            {
                wwdr = X509CertificateLoader.LoadCertificateFromFile(options.WwdrCertificatePath);
            }
            catch (CryptographicException ex)
            {
                errors.Add($"{Section}:WwdrCertificatePath: '{options.WwdrCertificatePath}' is not a certificate (DER or PEM): {ex.Message}");
            }
        }

        var apns = LoadApnsKey(options.Apns, errors);
        if (pass is null || wwdr is null || apns is null)
        {
            pass?.Dispose();
            wwdr?.Dispose();
            apns?.Dispose();
            return null;
        }

        return new AppleWalletCredentials(pass, wwdr, apns);
    }

    private static X509Certificate2? LoadPassCertificate(AppleWalletOptions options, List<string> errors)
    {
        const string Section = AppleWalletOptions.SectionName;
        X509Certificate2? certificate;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            if (!File.Exists(options.CertificatePath))
            {
                errors.Add($"{Section}:CertificatePath: no file at '{options.CertificatePath}'.");
                return null;
            }

            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException)
            {
                errors.Add($"{Section}:CertificatePath: '{options.CertificatePath}' could not be opened as a PKCS#12 (.pfx/.p12) file; check the file and {Section}:CertificatePassword.");
                return null;
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.CertificatePemPath))
        {
            if (string.IsNullOrWhiteSpace(options.CertificateKeyPath))
            {
                errors.Add($"{Section}:CertificateKeyPath is required with {Section}:CertificatePemPath: the PEM private key of the Pass Type ID certificate.");
                return null;
            }

            foreach (var (key, path) in new[] { ("CertificatePemPath", options.CertificatePemPath), ("CertificateKeyPath", options.CertificateKeyPath) })
            {
                if (!File.Exists(path))
                {
                    errors.Add($"{Section}:{key}: no file at '{path}'.");
                    return null;
                }
            }

            try
            {
                certificate = X509Certificate2.CreateFromPemFile(options.CertificatePemPath, options.CertificateKeyPath);
            }
            catch (CryptographicException ex)
            {
                errors.Add($"{Section}:CertificatePemPath/CertificateKeyPath: the certificate and key could not be read as PEM or do not match: {ex.Message}");
                return null;
            }
        }
        else
        {
            errors.Add($"{Section}:CertificatePath is required (the Pass Type ID certificate as .pfx/.p12, with {Section}:CertificatePassword), or set {Section}:CertificatePemPath and {Section}:CertificateKeyPath.");
            return null;
        }

        if (!certificate.HasPrivateKey)
        {
            errors.Add($"{Section}:CertificatePath: the Pass Type ID certificate has no private key; export it from Keychain together with its key.");
            certificate.Dispose();
            return null;
        }

        return certificate;
    }

    private static ECDsa? LoadApnsKey(AppleApnsOptions apns, List<string> errors)
    {
        const string Section = AppleWalletOptions.SectionName + ":Apns";
        if (string.IsNullOrWhiteSpace(apns.KeyPath))
        {
            errors.Add($"{Section}:KeyPath is required: the .p8 APNs authentication key from the Apple developer account (Keys).");
            return null;
        }

        if (!File.Exists(apns.KeyPath))
        {
            errors.Add($"{Section}:KeyPath: no file at '{apns.KeyPath}'.");
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(apns.KeyPath));
            if (key.KeySize != 256)
            {
                throw new CryptographicException("not a P-256 key");
            }

            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            errors.Add($"{Section}:KeyPath: '{apns.KeyPath}' is not an APNs .p8 key (a PKCS#8 PEM EC P-256 private key).");
            return null;
        }
    }

    public void Dispose()
    {
        PassCertificate.Dispose();
        Wwdr.Dispose();
        ApnsKey.Dispose();
    }
}
