using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>How requests are authenticated.</summary>
internal enum SignatureAlgorithm
{
    HmacSha256,
    HmacSha1,
    Bearer,
    None,
}

/// <summary>
/// Verifies a request's signature over the raw body bytes (or a composition of them described by a template such
/// as <c>{header:X-Timestamp}.{body}</c>), against the current and the previous secret, in constant time.
/// </summary>
internal sealed class SignatureScheme
{
    private readonly IReadOnlyList<Part> _template;
    private readonly byte[][] _keys;

    private SignatureScheme(SignatureAlgorithm algorithm, string header, SignatureEncoding encoding, bool eitherEncoding, string prefix, IReadOnlyList<Part> template, byte[][] keys)
    {
        Algorithm = algorithm;
        Header = header;
        Encoding = encoding;
        EitherEncoding = eitherEncoding;
        Prefix = prefix;
        _template = template;
        _keys = keys;
    }

    public SignatureAlgorithm Algorithm { get; }

    public string Header { get; }

    public SignatureEncoding Encoding { get; }

    /// <summary>
    /// Signatures are accepted in hex or base64 (<c>signatureEncoding: hex-or-base64</c>), told apart by their length:
    /// for a POS whose documentation and deliveries disagree. <see cref="Encoding"/> is then what <see cref="Compute"/> writes.
    /// </summary>
    public bool EitherEncoding { get; }

    public string Prefix { get; }

    /// <summary>True when the template reads JSON from the body (so the body is parsed, depth-limited, before the signature is known good).</summary>
    public bool ReadsJson => _template.Any(p => p.Kind == PartKind.Json);

    public static SignatureScheme Create(SignatureAlgorithm algorithm, string header, SignatureEncoding encoding, string prefix, IReadOnlyList<Part> template, IEnumerable<string> secrets, bool eitherEncoding = false) =>
        new(algorithm, header, encoding, eitherEncoding, prefix, template, [.. secrets.Select(s => System.Text.Encoding.UTF8.GetBytes(s))]);

    /// <summary>Parses a <c>signedContent</c> template; null and a message when it has an unknown or malformed placeholder.</summary>
    public static IReadOnlyList<Part>? ParseTemplate(string template, out string? problem)
    {
        problem = null;
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '}')
            {
                problem = $"has a '}}' without its '{{' at position {i + 1}";
                return null;
            }

            if (c != '{')
            {
                literal.Append(c);
                i++;
                continue;
            }

            var close = template.IndexOf('}', i);
            if (close < 0)
            {
                problem = $"has a '{{' without its '}}' at position {i + 1}";
                return null;
            }

            if (literal.Length > 0)
            {
                parts.Add(new Part(PartKind.Literal, literal.ToString(), null));
                literal.Clear();
            }

            var placeholder = template[(i + 1)..close];
            if (placeholder.Contains('{', StringComparison.Ordinal))
            {
                problem = $"has a '{{' without its '}}' at position {i + 1}";
                return null;
            }

            if (placeholder == "body")
            {
                parts.Add(new Part(PartKind.Body, null, null));
            }
            else if (placeholder.StartsWith("header:", StringComparison.Ordinal) && placeholder.Length > "header:".Length && placeholder["header:".Length..].All(ch => ch > ' ' && ch < 127 && ch != ':'))
            {
                parts.Add(new Part(PartKind.Header, placeholder["header:".Length..], null));
            }
            else if (placeholder.StartsWith("json:", StringComparison.Ordinal))
            {
                var path = JsonPath.TryParse(placeholder["json:".Length..], out var pathProblem);
                if (path is null)
                {
                    problem = $"placeholder {{{JsonPath.Describe(placeholder)}}}: path {pathProblem}";
                    return null;
                }

                parts.Add(new Part(PartKind.Json, null, path));
            }
            else
            {
                problem = $"has an unknown placeholder {{{JsonPath.Describe(placeholder)}}}; use {{body}}, {{header:Header-Name}} or {{json:$.path}}";
                return null;
            }

            i = close + 1;
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part(PartKind.Literal, literal.ToString(), null));
        }

        return parts;
    }

    /// <summary>Checks the request; on failure returns the reason to give (never a secret or a computed signature).</summary>
    public bool Verify(WebhookRequest request, JsonElement? body, out string reason)
    {
        reason = string.Empty;
        if (Algorithm == SignatureAlgorithm.None)
        {
            return true;
        }

        var presented = request.GetHeader(Header);
        if (string.IsNullOrWhiteSpace(presented))
        {
            reason = $"missing {Header} header";
            return false;
        }

        presented = presented.Trim();
        if (Prefix.Length > 0)
        {
            if (!presented.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                reason = "signature verification failed";
                return false;
            }

            presented = presented[Prefix.Length..].Trim();
        }

        if (Algorithm == SignatureAlgorithm.Bearer)
        {
            var presentedHash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(presented));
            var match = false;
            foreach (var key in _keys)
            {
                match |= CryptographicOperations.FixedTimeEquals(SHA256.HashData(key), presentedHash);
            }

            reason = match ? string.Empty : "credentials verification failed";
            return match;
        }

        if (!TryBuildSignedContent(request, body, out var content))
        {
            reason = "signature verification failed: the signed content could not be assembled (a header or field it names is missing or not valid text)";
            return false;
        }

        var encoding = EitherEncoding ? EncodingByLength(presented) : Encoding;
        var ok = Algorithm == SignatureAlgorithm.HmacSha256
            ? WebhookSignatures.VerifyHmacSha256(content, presented, _keys, encoding)
            : VerifyHmacSha1(content, presented, encoding);
        reason = ok ? string.Empty : "signature verification failed";
        return ok;
    }

    /// <summary>The signature a sender would put in the header (for tests and for documenting a setup).</summary>
    public string Compute(WebhookRequest request, JsonElement? body, string secret)
    {
        var key = System.Text.Encoding.UTF8.GetBytes(secret);
        if (Algorithm == SignatureAlgorithm.Bearer)
        {
            return Prefix + secret;
        }

        if (!TryBuildSignedContent(request, body, out var content))
        {
            throw new InvalidOperationException("The signed content could not be assembled.");
        }

        var hash = Algorithm == SignatureAlgorithm.HmacSha1 ? HMACSHA1.HashData(key, content) : HMACSHA256.HashData(key, content);
        return Prefix + (Encoding == SignatureEncoding.Hex ? Convert.ToHexStringLower(hash) : Convert.ToBase64String(hash));
    }

    /// <summary>Hex when the text is as long as a hex digest of this algorithm (40 for SHA-1, 64 for SHA-256), else base64.</summary>
    private SignatureEncoding EncodingByLength(string presented)
    {
        var hexLength = 2 * (Algorithm == SignatureAlgorithm.HmacSha1 ? HMACSHA1.HashSizeInBytes : HMACSHA256.HashSizeInBytes);
        return presented.Trim().Length == hexLength ? SignatureEncoding.Hex : SignatureEncoding.Base64;
    }

    private bool VerifyHmacSha1(byte[] content, string presented, SignatureEncoding encoding)
    {
        byte[] presentedBytes;
        try
        {
            presentedBytes = encoding == SignatureEncoding.Hex ? Convert.FromHexString(presented) : Convert.FromBase64String(presented);
        }
        catch (FormatException)
        {
            return false;
        }

        if (presentedBytes.Length != HMACSHA1.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA1.HashSizeInBytes];
        var match = false;
        foreach (var key in _keys)
        {
            HMACSHA1.HashData(key, content, expected);
            match |= CryptographicOperations.FixedTimeEquals(expected, presentedBytes);
        }

        return match;
    }

    private bool TryBuildSignedContent(WebhookRequest request, JsonElement? body, out byte[] content)
    {
        content = [];
        if (_template.Count == 1 && _template[0].Kind == PartKind.Body)
        {
            content = request.Body.ToArray();
            return true;
        }

        using var buffer = new MemoryStream();
        foreach (var part in _template)
        {
            switch (part.Kind)
            {
                case PartKind.Literal:
                    buffer.Write(System.Text.Encoding.UTF8.GetBytes(part.Text!));
                    break;
                case PartKind.Body:
                    buffer.Write(request.Body.Span);
                    break;
                case PartKind.Header:
                    if (request.GetHeader(part.Text!) is not { } header)
                    {
                        return false;
                    }

                    buffer.Write(System.Text.Encoding.UTF8.GetBytes(header));
                    break;
                case PartKind.Json:
                    // A value that is not text (a lone surrogate, bytes that are not UTF-8) cannot be what was signed.
                    if (body is not { } root || part.Path!.SelectOne(root) is not { } value
                        || !(value.ValueKind == JsonValueKind.String ? JsonText.TryRead(value, out var text) : JsonText.TryRaw(value, out text)))
                    {
                        return false;
                    }

                    buffer.Write(System.Text.Encoding.UTF8.GetBytes(text));
                    break;
                default:
                    return false;
            }
        }

        content = buffer.ToArray();
        return true;
    }

    internal enum PartKind
    {
        Literal,
        Body,
        Header,
        Json,
    }

    internal sealed record Part(PartKind Kind, string? Text, JsonPath? Path);
}
