using Microsoft.Extensions.Options;

namespace SevenStamp.Wallet.Apple;

/// <summary>Checks the Apple settings when the host starts; each message names the key and what to put there.</summary>
internal sealed class AppleWalletOptionsValidator : IValidateOptions<AppleWalletOptions>
{
    public ValidateOptionsResult Validate(string? name, AppleWalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Section = AppleWalletOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.PassTypeIdentifier) || !options.PassTypeIdentifier.StartsWith("pass.", StringComparison.Ordinal) || options.PassTypeIdentifier.Length > 128)
        {
            errors.Add($"{Section}:PassTypeIdentifier must be the Pass Type ID registered with Apple, starting with 'pass.' (e.g. pass.com.example.stamps).");
        }

        if (string.IsNullOrWhiteSpace(options.TeamIdentifier) || options.TeamIdentifier.Length != 10 || !options.TeamIdentifier.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{Section}:TeamIdentifier must be the 10-character Apple Developer team id (e.g. A1B2C3D4E5).");
        }

        if (string.IsNullOrWhiteSpace(options.OrganizationName))
        {
            errors.Add($"{Section}:OrganizationName is required: the name Wallet shows for the passes (e.g. your brand).");
        }

        if (!Uri.TryCreate(options.WebServiceUrl, UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            errors.Add($"{Section}:WebServiceUrl must be the public https URL of this host's PassKit web service, e.g. https://cards.example.com/passkit (plain http only on loopback, for tests).");
        }

        if (string.IsNullOrWhiteSpace(options.BrandingRoot) || !Directory.Exists(options.BrandingRoot))
        {
            errors.Add($"{Section}:BrandingRoot must be an existing folder with a default/ folder (icon.png, logo.png, strip.png…) and optional <merchantId>/ folders.");
        }
        else if (!File.Exists(Path.Combine(options.BrandingRoot, PassBranding.DefaultFolder, "icon.png")))
        {
            errors.Add($"{Section}:BrandingRoot: '{Path.Combine(options.BrandingRoot, PassBranding.DefaultFolder, "icon.png")}' is missing; Wallet refuses a pass without icon.png.");
        }

        foreach (var (key, value) in new[] { ("ForegroundColor", options.ForegroundColor), ("BackgroundColor", options.BackgroundColor), ("LabelColor", options.LabelColor) })
        {
            if (value is not null && !PkpassBuilder.IsColor(value))
            {
                errors.Add($"{Section}:{key} must look like rgb(60, 65, 76).");
            }
        }

        if (options.RegistrationsPerMinute < 1 || options.LogRequestsPerMinute < 1 || options.PassRequestsPerMinute < 1)
        {
            errors.Add($"{Section}:RegistrationsPerMinute, {Section}:LogRequestsPerMinute and {Section}:PassRequestsPerMinute must be at least 1.");
        }

        if (options.MaxLogBodyBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Section}:MaxLogBodyBytes must be between 1024 and 1048576.");
        }

        var apns = options.Apns;
        if (string.IsNullOrWhiteSpace(apns.KeyId) || apns.KeyId.Length != 10 || !apns.KeyId.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{Section}:Apns:KeyId must be the 10-character Key ID of the APNs authentication key.");
        }

        if (apns.TeamId is not null && (apns.TeamId.Length != 10 || !apns.TeamId.All(char.IsAsciiLetterOrDigit)))
        {
            errors.Add($"{Section}:Apns:TeamId must be a 10-character team id (or leave it out to use {Section}:TeamIdentifier).");
        }

        if (!Uri.TryCreate(apns.Host, UriKind.Absolute, out var host) || (host.Scheme != Uri.UriSchemeHttps && !(host.Scheme == Uri.UriSchemeHttp && host.IsLoopback)))
        {
            errors.Add($"{Section}:Apns:Host must be https://api.push.apple.com (production) or https://api.sandbox.push.apple.com (development).");
        }

        if (apns.RequestTimeout <= TimeSpan.Zero || apns.RequestTimeout > TimeSpan.FromMinutes(2))
        {
            errors.Add($"{Section}:Apns:RequestTimeout must be between 00:00:00.001 and 00:02:00.");
        }

        if (apns.MaxAttempts is < 1 or > 10 || apns.RetryDelay < TimeSpan.Zero || apns.RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Section}:Apns:MaxAttempts must be 1 to 10 and {Section}:Apns:RetryDelay at most 00:01:00.");
        }

        AppleWalletCredentials.TryLoad(options, errors)?.Dispose();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
