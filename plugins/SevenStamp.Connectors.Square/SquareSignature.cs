using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// Square's webhook signature: <c>x-square-hmacsha256-signature</c> = base64(HMAC-SHA256(signature key,
/// notification URL + raw body)), the URL exactly as registered in Square. Checked in constant time against every
/// active key (two while a key rotates).
/// </summary>
internal sealed class SquareSignature
{
    public const string HeaderName = "x-square-hmacsha256-signature";

    private readonly byte[] _notificationUrl;
    private readonly byte[][] _keys;

    public SquareSignature(string notificationUrl, IEnumerable<string> signatureKeys)
    {
        _notificationUrl = Encoding.UTF8.GetBytes(notificationUrl);
        _keys = [.. signatureKeys.Where(k => !string.IsNullOrEmpty(k)).Select(Encoding.UTF8.GetBytes)];
    }

    public bool Verify(ReadOnlySpan<byte> body, string? presented)
    {
        if (string.IsNullOrWhiteSpace(presented))
        {
            return false;
        }

        var signed = new byte[_notificationUrl.Length + body.Length];
        _notificationUrl.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(_notificationUrl.Length));
        return WebhookSignatures.VerifyHmacSha256(signed, presented, _keys, SignatureEncoding.Base64);
    }

    /// <summary>The header value Square would send (for tests and local tools).</summary>
    public static string Compute(string notificationUrl, ReadOnlySpan<byte> body, string signatureKey)
    {
        var url = Encoding.UTF8.GetBytes(notificationUrl);
        var signed = new byte[url.Length + body.Length];
        url.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(url.Length));
        return WebhookSignatures.ComputeHmacSha256(signed, Encoding.UTF8.GetBytes(signatureKey), SignatureEncoding.Base64);
    }
}
