using System.Security.Cryptography;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>The hash behind an HMAC webhook signature.</summary>
public enum HmacAlgorithm
{
    Sha256 = 0,
    Sha1 = 1,
}

/// <summary>
/// How a POS signs a webhook, described instead of coded, so the compliance suite can sign any body under any
/// secret (the current one, the previous one during a key rotation, a removed one): the header, the HMAC, how the
/// digest is written (hex or base64, after a prefix such as <c>sha256=</c>) and what is signed.
/// </summary>
/// <example>
/// <code>
/// WebhookSignature.HmacSha256("X-SevenStamp-Signature")                                      // hex of the body
/// WebhookSignature.HmacSha256("X-Shopify-Hmac-Sha256", SignatureEncoding.Base64)             // base64 of the body
/// WebhookSignature.HmacSha256("x-square-hmacsha256-signature", SignatureEncoding.Base64) with { SignedContent = url + "{body}" }
/// WebhookSignature.HmacSha256("X-Pos-Signature", prefix: "sha256=") with { SignedContent = "{header:X-Pos-Timestamp}.{body}" }
/// </code>
/// </example>
public sealed record WebhookSignature
{
    /// <summary>The request header that carries the signature.</summary>
    public required string Header { get; init; }

    public HmacAlgorithm Algorithm { get; init; } = HmacAlgorithm.Sha256;

    public SignatureEncoding Encoding { get; init; } = SignatureEncoding.Hex;

    /// <summary>Text written before the digest in the header, e.g. <c>sha256=</c>.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>
    /// What is signed, as a template: <c>{body}</c> (the raw body, the default), <c>{header:Name}</c> (a header of
    /// the request, see <see cref="WebhookSample.Headers"/>), <c>{json:$.a.b}</c> (a string or value of the body);
    /// any other text is signed as written (Square signs its notification URL followed by the body).
    /// </summary>
    public string SignedContent { get; init; } = "{body}";

    /// <summary>
    /// The setting that holds the secret. Left out, the suite takes the current secret of the connector's rotation
    /// pair (a secret setting <c>x</c> beside a secret setting <c>previousX</c>), or its only secret setting.
    /// </summary>
    public string? SecretSetting { get; init; }

    /// <summary>HMAC-SHA256 of the body, written in <paramref name="encoding"/> after <paramref name="prefix"/>.</summary>
    public static WebhookSignature HmacSha256(string header, SignatureEncoding encoding = SignatureEncoding.Hex, string prefix = "") =>
        new() { Header = header, Algorithm = HmacAlgorithm.Sha256, Encoding = encoding, Prefix = prefix };

    /// <summary>HMAC-SHA1 of the body, written in <paramref name="encoding"/> after <paramref name="prefix"/>.</summary>
    public static WebhookSignature HmacSha1(string header, SignatureEncoding encoding = SignatureEncoding.Base64, string prefix = "") =>
        new() { Header = header, Algorithm = HmacAlgorithm.Sha1, Encoding = encoding, Prefix = prefix };

    /// <summary>
    /// The header value the POS would send for <paramref name="body"/> with <paramref name="headers"/> under
    /// <paramref name="secret"/>. When the signed content cannot be assembled (a body that is not JSON for a
    /// <c>{json:…}</c> template, a header that is missing) the raw body is signed instead: a connector cannot match
    /// that, and must refuse the request with a 4xx all the same.
    /// </summary>
    public string Compute(ReadOnlySpan<byte> body, IReadOnlyDictionary<string, string> headers, string secret)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(secret);
        var content = TryAssemble(body, headers) ?? body.ToArray();
        var key = System.Text.Encoding.UTF8.GetBytes(secret);
        var digest = Algorithm == HmacAlgorithm.Sha1 ? HMACSHA1.HashData(key, content) : HMACSHA256.HashData(key, content);
        return Prefix + (Encoding == SignatureEncoding.Hex ? Convert.ToHexStringLower(digest) : Convert.ToBase64String(digest));
    }

    private byte[]? TryAssemble(ReadOnlySpan<byte> body, IReadOnlyDictionary<string, string> headers)
    {
        if (SignedContent == "{body}")
        {
            return body.ToArray();
        }

        using var buffer = new MemoryStream();
        var template = SignedContent;
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                buffer.Write(System.Text.Encoding.UTF8.GetBytes(template[i..]));
                break;
            }

            buffer.Write(System.Text.Encoding.UTF8.GetBytes(template[i..open]));
            var close = template.IndexOf('}', open);
            if (close < 0)
            {
                throw new InvalidOperationException($"The signed content template '{template}' has a '{{' without its '}}'.");
            }

            var placeholder = template[(open + 1)..close];
            byte[]? part = placeholder switch
            {
                "body" => body.ToArray(),
                _ when placeholder.StartsWith("header:", StringComparison.Ordinal) => HeaderValue(headers, placeholder["header:".Length..]),
                _ when placeholder.StartsWith("json:", StringComparison.Ordinal) => JsonValue(body, placeholder["json:".Length..]),
                _ => throw new InvalidOperationException($"The signed content template '{template}' has an unknown placeholder {{{placeholder}}}; use {{body}}, {{header:Name}} or {{json:$.path}}."),
            };
            if (part is null)
            {
                return null;
            }

            buffer.Write(part);
            i = close + 1;
        }

        return buffer.ToArray();
    }

    private static byte[]? HeaderValue(IReadOnlyDictionary<string, string> headers, string name)
    {
        foreach (var (key, value) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return System.Text.Encoding.UTF8.GetBytes(value);
            }
        }

        return null;
    }

    /// <summary>A string's text, or any other value's raw JSON, at a dotted path such as <c>$.payload</c>; null when it cannot be read.</summary>
    private static byte[]? JsonValue(ReadOnlySpan<byte> body, string path)
    {
        if (!path.StartsWith("$.", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The path '{path}' in a signed content template must be a dotted path from the root, e.g. $.payload.");
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var element = document.RootElement;
            foreach (var name in path[2..].Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return null;
                }
            }

            return element.ValueKind == JsonValueKind.String
                ? System.Text.Encoding.UTF8.GetBytes(element.GetString()!)
                : System.Text.Encoding.UTF8.GetBytes(element.GetRawText());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON, or text that is not text (a lone surrogate): the content cannot be assembled.
            return null;
        }
    }
}
