using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace SevenStamp.Connectors.Host.Components.Shared;

/// <summary>
/// Carries a value shown once (a new signing secret, an API key) across a POST/Redirect/GET: the form's handler keeps
/// it here and redirects, and the page it redirects to takes it and shows it. A reload then only reads the page again:
/// nothing is made twice, and the value is gone. The value travels in a short-lived cookie, protected with the host's
/// Data Protection (encrypted and signed, bound to its purpose and expiring after <see cref="Lifetime"/>), HttpOnly,
/// SameSite=Strict, Secure on https, sent only to the page's path and deleted as soon as it is read: never in a URL,
/// never in a log.
/// </summary>
public static class ShownOnceCookie
{
    /// <summary>How long a kept value waits for its page.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private const string CookieName = "sevenstamp.shown-once";

    /// <summary>
    /// Keeps <paramref name="value"/> for the next request to <paramref name="path"/>; <paramref name="purpose"/> names
    /// what it is and whose (e.g. the merchant and the subscription), so only the page that asks for that takes it.
    /// </summary>
    public static void Keep<T>(HttpContext http, string path, string purpose, T value)
    {
        ArgumentNullException.ThrowIfNull(http);
        var protector = Protector(http, purpose);
        var cookie = protector.Protect(JsonSerializer.Serialize(value), Lifetime);
        http.Response.Cookies.Append(CookieName, cookie, Options(http, path, Lifetime));
    }

    /// <summary>
    /// The value kept for <paramref name="purpose"/> on this page, once: the cookie is deleted whatever it held. Null
    /// when there is none, it expired, or it was kept for another purpose.
    /// </summary>
    public static T? Take<T>(HttpContext http, string path, string purpose)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(CookieName, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return null;
        }

        if (!http.Response.HasStarted)
        {
            http.Response.Cookies.Delete(CookieName, Options(http, path, null));
        }

        try
        {
            return JsonSerializer.Deserialize<T>(Protector(http, purpose).Unprotect(cookie));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    private static ITimeLimitedDataProtector Protector(HttpContext http, string purpose) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector("SevenStamp.Console.ShownOnce.v1", purpose)
            .ToTimeLimitedDataProtector();

    private static CookieOptions Options(HttpContext http, string path, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        // As the session cookie (SameAsRequest): Secure whenever the console is reached over https.
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = path,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
