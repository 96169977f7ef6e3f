namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Apple Wallet passes, from the section <c>SevenStamp:Wallet:Apple</c>. Absent section: Apple passes are off.
/// Present: every value is checked when the host starts and a bad one stops it with the key named.
/// </summary>
public sealed class AppleWalletOptions
{
    public const string SectionName = WalletServiceCollectionExtensions.SectionName + ":Apple";

    /// <summary>The Pass Type ID registered with Apple, e.g. <c>pass.com.example.stamps</c>; also the APNs topic.</summary>
    public string PassTypeIdentifier { get; set; } = string.Empty;

    /// <summary>The Apple Developer team id (10 characters) that owns the Pass Type ID.</summary>
    public string TeamIdentifier { get; set; } = string.Empty;

    /// <summary>The name shown on the lock screen and in Wallet, e.g. the merchant's brand.</summary>
    public string OrganizationName { get; set; } = string.Empty;

    /// <summary>The public base URL of this host's PassKit web service, e.g. <c>https://cards.example.com/passkit</c>.</summary>
    public string WebServiceUrl { get; set; } = string.Empty;

    /// <summary>The Pass Type ID certificate with its private key as a PKCS#12 (.pfx/.p12) file; or use the two PEM paths.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>The Pass Type ID certificate as PEM (with <see cref="CertificateKeyPath"/>), instead of a .pfx.</summary>
    public string? CertificatePemPath { get; set; }

    public string? CertificateKeyPath { get; set; }

    /// <summary>Apple's WWDR intermediate certificate (DER or PEM) that issued the Pass Type ID certificate.</summary>
    public string WwdrCertificatePath { get; set; } = string.Empty;

    /// <summary>The folder with <c>&lt;merchantId&gt;/icon.png, logo.png, strip.png…</c> and a <c>default/</c> folder (which needs icon.png).</summary>
    public string BrandingRoot { get; set; } = string.Empty;

    /// <summary>Optional pass colours, CSS style <c>rgb(r, g, b)</c>.</summary>
    public string? ForegroundColor { get; set; }

    public string? BackgroundColor { get; set; }

    public string? LabelColor { get; set; }

    /// <summary>
    /// Registrations (and unregistrations) one device may make per minute; one IP gets ten times as many. The older
    /// name of <c>SevenStamp:RateLimits:PassKitRegistrations</c> (and <c>…PerClient</c>), applied only when set and
    /// the newer one is not (<see cref="LegacyPassKitLimits"/>).
    /// </summary>
    public int RegistrationsPerMinute { get; set; } = 30;

    /// <summary>Requests to <c>/v1/log</c> per minute from one IP; the older name of <c>SevenStamp:RateLimits:PassKitLog</c>.</summary>
    public int LogRequestsPerMinute { get; set; } = 20;

    /// <summary>
    /// Pass fetches per minute from one IP: the latest pass and the list of updated serial numbers together; the older
    /// name of <c>SevenStamp:RateLimits:PassKitPassesPerClient</c>.
    /// </summary>
    public int PassRequestsPerMinute { get; set; } = 600;

    /// <summary>The largest <c>/v1/log</c> body accepted (bytes); a larger one is answered 413.</summary>
    public int MaxLogBodyBytes { get; set; } = 16 * 1024;

    public AppleApnsOptions Apns { get; set; } = new();
}

/// <summary>APNs, which tells devices that a pass changed: token-based authentication with the team's .p8 key.</summary>
public sealed class AppleApnsOptions
{
    /// <summary>The 10-character Key ID of the APNs authentication key.</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary>The team that owns the key; defaults to <see cref="AppleWalletOptions.TeamIdentifier"/>.</summary>
    public string? TeamId { get; set; }

    /// <summary>The .p8 file (PKCS#8 PEM, EC P-256) downloaded from the developer account.</summary>
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>The APNs server: production by default; <c>https://api.sandbox.push.apple.com</c> for development.</summary>
    public string Host { get; set; } = "https://api.push.apple.com";

    /// <summary>How long one push request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per push when APNs answers 429 or 5xx or cannot be reached (then the update message is retried).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The first back-off delay; doubled on each attempt (or APNs's Retry-After when it sends one).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
