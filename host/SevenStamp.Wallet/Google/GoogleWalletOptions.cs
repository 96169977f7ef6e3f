using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// <c>SevenStamp:Wallet:Google</c>: the Google Wallet issuer and the service account that acts for it. Google
/// Wallet stays off while the section is absent; when it is present every key is checked at start.
/// </summary>
public sealed class GoogleWalletOptions
{
    public const string SectionName = "SevenStamp:Wallet:Google";
    public const string DefaultApiBaseUrl = "https://walletobjects.googleapis.com/walletobjects/v1/";
    public const string DefaultCallbackKeysUrl = "https://pay.google.com/gp/m/issuer/keys";

    /// <summary>The path of this host's endpoint for Google's save and delete callbacks.</summary>
    public const string CallbackPath = "/wallet/google/callbacks";

    /// <summary>The issuer id from the Google Pay &amp; Wallet Console (digits).</summary>
    public string IssuerId { get; set; } = string.Empty;

    /// <summary>Path of the service account's JSON key, as Google Cloud hands it out.</summary>
    public string ServiceAccountKeyFile { get; set; } = string.Empty;

    /// <summary>The walletobjects v1 REST base; tests point it at a local server.</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>The OAuth token endpoint; empty = the key file's <c>token_uri</c>.</summary>
    public string? TokenUrl { get; set; }

    /// <summary>The web origins allowed to show the Save button (the Save JWT's <c>origins</c>); may be empty.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>The issuer name the pass shows (the business); a merchant's <see cref="GoogleMerchantBranding.IssuerName"/> overrides it.</summary>
    public string IssuerName { get; set; } = string.Empty;

    /// <summary>The program logo (https URL of a square PNG, at least 660 px); Google requires one per class.</summary>
    public string LogoUrl { get; set; } = string.Empty;

    /// <summary>The pass background colour, <c>#rrggbb</c>; empty = Google's choice from the logo.</summary>
    public string? BackgroundColor { get; set; }

    /// <summary>Per merchant id: branding that overrides the defaults above.</summary>
    public Dictionary<string, GoogleMerchantBranding> Merchants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The public https URL of this host's callback endpoint (<c>https://cards.example.com/wallet/google/callbacks</c>),
    /// put on every loyalty class as <c>callbackOptions.url</c> so that Google tells the host when a customer saves or
    /// deletes a card (a save becomes <c>card_saved</c>). Empty = no callbacks (there is no public base URL setting to
    /// derive it from).
    /// </summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Where Google publishes the root keys that sign its callbacks; tests point it at a local server.</summary>
    public string CallbackKeysUrl { get; set; } = DefaultCallbackKeysUrl;

    /// <summary>How long the root keys are kept before they are fetched again (unless Google's cache headers say less).</summary>
    public TimeSpan CallbackKeysCacheTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Retries of one HTTP call to Google after a 429, a 5xx or a network failure, with exponential backoff.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first backoff delay; it doubles on every retry (with jitter), or follows Google's Retry-After.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The limit on one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    internal GoogleMerchantBranding BrandingFor(string merchantId)
    {
        Merchants.TryGetValue(merchantId, out var merchant);
        return new GoogleMerchantBranding
        {
            IssuerName = string.IsNullOrWhiteSpace(merchant?.IssuerName) ? IssuerName : merchant.IssuerName,
            LogoUrl = string.IsNullOrWhiteSpace(merchant?.LogoUrl) ? LogoUrl : merchant.LogoUrl,
            BackgroundColor = string.IsNullOrWhiteSpace(merchant?.BackgroundColor) ? BackgroundColor : merchant.BackgroundColor,
        };
    }
}

/// <summary>One merchant's look of the pass; an empty value falls back to the issuer-wide one.</summary>
public sealed class GoogleMerchantBranding
{
    public string? IssuerName { get; set; }

    public string? LogoUrl { get; set; }

    public string? BackgroundColor { get; set; }
}

/// <summary>Checks <see cref="GoogleWalletOptions"/> at start; every failure names its key and the fix.</summary>
internal sealed partial class GoogleWalletOptionsValidator : IValidateOptions<GoogleWalletOptions>
{
    public ValidateOptionsResult Validate(string? name, GoogleWalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string s = GoogleWalletOptions.SectionName;
        var errors = new List<string>();
        if (!IssuerIdPattern().IsMatch(options.IssuerId ?? string.Empty))
        {
            errors.Add($"{s}:IssuerId must be the issuer id from the Google Pay & Wallet Console (digits only, e.g. 3388000000012345678).");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceAccountKeyFile))
        {
            errors.Add($"{s}:ServiceAccountKeyFile is empty; set it to the path of the service account's JSON key file.");
        }
        else if (!File.Exists(options.ServiceAccountKeyFile))
        {
            errors.Add($"{s}:ServiceAccountKeyFile: no file at '{options.ServiceAccountKeyFile}'; set the path of the service account's JSON key file.");
        }
        else
        {
            try
            {
                // Read once at start so a damaged or wrong key stops the host here, not on the first update.
                GoogleServiceAccount.FromKeyFile(options.ServiceAccountKeyFile, string.IsNullOrWhiteSpace(options.TokenUrl) ? null : options.TokenUrl);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(ex.Message);
            }
            catch (IOException ex)
            {
                errors.Add($"{s}:ServiceAccountKeyFile: '{options.ServiceAccountKeyFile}' cannot be read ({ex.Message}).");
            }
            catch (UnauthorizedAccessException)
            {
                errors.Add($"{s}:ServiceAccountKeyFile: '{options.ServiceAccountKeyFile}' cannot be read by this process; check its permissions.");
            }
        }

        CheckUrl(errors, $"{s}:ApiBaseUrl", options.ApiBaseUrl, required: true);
        CheckUrl(errors, $"{s}:TokenUrl", options.TokenUrl, required: false);
        if (!string.IsNullOrWhiteSpace(options.CallbackUrl)
            && (!Uri.TryCreate(options.CallbackUrl, UriKind.Absolute, out var callback)
                || !(callback.Scheme == Uri.UriSchemeHttps || (callback.Scheme == Uri.UriSchemeHttp && callback.IsLoopback))
                || !string.IsNullOrEmpty(callback.Query) || !string.IsNullOrEmpty(callback.Fragment)))
        {
            errors.Add($"{s}:CallbackUrl '{options.CallbackUrl}' must be the public https URL of this host's Google Wallet callbacks, e.g. https://cards.example.com{GoogleWalletOptions.CallbackPath} (plain http only on loopback, for tests), or empty for no callbacks.");
        }

        CheckUrl(errors, $"{s}:CallbackKeysUrl", options.CallbackKeysUrl, required: true);
        if (options.CallbackKeysCacheTime < TimeSpan.FromMinutes(1) || options.CallbackKeysCacheTime > TimeSpan.FromDays(1))
        {
            errors.Add($"{s}:CallbackKeysCacheTime must be between 00:01:00 and 1.00:00:00.");
        }

        if (string.IsNullOrWhiteSpace(options.IssuerName))
        {
            errors.Add($"{s}:IssuerName is empty; set the business name the pass shows.");
        }

        CheckUrl(errors, $"{s}:LogoUrl", options.LogoUrl, required: true);
        CheckColor(errors, $"{s}:BackgroundColor", options.BackgroundColor);
        for (var i = 0; i < options.Origins.Count; i++)
        {
            CheckUrl(errors, $"{s}:Origins:{i}", options.Origins[i], required: true);
        }

        foreach (var (merchant, branding) in options.Merchants)
        {
            CheckUrl(errors, $"{s}:Merchants:{merchant}:LogoUrl", branding.LogoUrl, required: false);
            CheckColor(errors, $"{s}:Merchants:{merchant}:BackgroundColor", branding.BackgroundColor);
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{s}:MaxRetries must be between 0 and 10.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{s}:RetryDelay must be a positive duration of at most 00:01:00.");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{s}:RequestTimeout must be between 00:00:01 and 00:05:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUrl(List<string> errors, string key, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add($"{key} is empty; set an absolute http(s) URL.");
            }

            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{key} '{value}' is not an absolute http(s) URL.");
        }
    }

    private static void CheckColor(List<string> errors, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value) && !ColorPattern().IsMatch(value))
        {
            errors.Add($"{key} '{value}' is not a colour; write it as #rrggbb (e.g. #1a73e8).");
        }
    }

    [GeneratedRegex("^[0-9]{1,30}$")]
    private static partial Regex IssuerIdPattern();

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();
}
