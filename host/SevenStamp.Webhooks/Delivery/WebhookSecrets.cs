using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>
/// Signing secrets: made from 32 random bytes in the Standard Webhooks form (<c>whsec_</c> + base64), stored protected
/// with ASP.NET Core Data Protection (its keys are in the database, so every replica can sign), never logged.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    private const string Prefix = "whsec_";

    private readonly IDataProtector _protector = protection.CreateProtector("SevenStamp.Webhooks.SigningSecret.v1");

    /// <summary>A new secret, in the form receivers' Standard Webhooks libraries take.</summary>
    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string stored) => _protector.Unprotect(stored);
}
