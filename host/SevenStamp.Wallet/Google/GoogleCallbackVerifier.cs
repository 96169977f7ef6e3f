using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SevenStamp.Wallet.Google;

/// <summary>A root key Google signs its intermediate signing keys with (from <see cref="GoogleWalletOptions.CallbackKeysUrl"/>).</summary>
public sealed record GoogleRootKey(byte[] SubjectPublicKeyInfo, string ProtocolVersion, DateTimeOffset? Expiration);

/// <summary>A callback whose signatures verified: the class and object it is about, <c>save</c> or <c>del</c>, and its nonce.</summary>
public sealed record GoogleCallback(string ClassId, string ObjectId, string EventType, string Nonce, DateTimeOffset ExpiresAt);

/// <summary>Why a callback was refused.</summary>
public enum GoogleCallbackFailure
{
    None,

    /// <summary>Not the JSON of an <c>ECv2SigningOnly</c> callback.</summary>
    Malformed,

    /// <summary>No signature of the intermediate key verifies with a current root key (the keys may have rotated).</summary>
    RootSignature,

    /// <summary>The intermediate signing key has expired.</summary>
    IntermediateExpired,

    /// <summary>The message's signature does not verify with the intermediate key for this issuer.</summary>
    MessageSignature,

    /// <summary>The message has expired.</summary>
    MessageExpired,

    /// <summary>The class or object is not of this issuer.</summary>
    WrongIssuer,
}

/// <summary>The outcome of checking one callback: the callback, or the failure and a short reason (safe to log and to answer).</summary>
public sealed record GoogleCallbackVerification(GoogleCallback? Callback, GoogleCallbackFailure Failure, string? Reason)
{
    public static GoogleCallbackVerification Refused(GoogleCallbackFailure failure, string reason) => new(null, failure, reason);
}

/// <summary>
/// Checks Google Wallet's save and delete callbacks, signed with Google's <c>ECv2SigningOnly</c> protocol (the
/// "Add and delete callbacks" guide): a root key Google publishes signs an intermediate key, which signs the message
/// for one recipient, the issuer. Every signature is ECDSA P-256 with SHA-256 (DER) over length-prefixed UTF-8
/// fields (<see cref="LengthValue"/>). The root keys come from <see cref="GoogleCallbackKeys"/> and are fetched again
/// once when none verifies (Google rotated them).
/// </summary>
public sealed class GoogleCallbackVerifier(GoogleCallbackKeys keys, IOptions<GoogleWalletOptions> options, TimeProvider time)
{
    /// <summary>The sender id Google signs Wallet callbacks as.</summary>
    public const string SenderId = "GooglePayPasses";

    /// <summary>The only protocol Wallet callbacks use.</summary>
    public const string ProtocolVersion = "ECv2SigningOnly";

    /// <summary>
    /// Verifies <paramref name="body"/> for the configured issuer. Throws <see cref="GoogleCallbackKeysUnavailableException"/>
    /// when Google's root keys cannot be had (the caller answers 503, so that Google retries).
    /// </summary>
    public async Task<GoogleCallbackVerification> VerifyAsync(string body, CancellationToken cancellationToken)
    {
        var issuerId = options.Value.IssuerId;
        var roots = await keys.GetAsync(cancellationToken).ConfigureAwait(false);
        var result = Verify(body, issuerId, roots, time.GetUtcNow());
        if (result.Failure == GoogleCallbackFailure.RootSignature)
        {
            var refreshed = await keys.RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(refreshed, roots))
            {
                result = Verify(body, issuerId, refreshed, time.GetUtcNow());
            }
        }

        return result;
    }

    /// <summary>Checks one callback against <paramref name="roots"/> at <paramref name="now"/>, in the order Google's guide gives.</summary>
    public static GoogleCallbackVerification Verify(string body, string issuerId, IReadOnlyList<GoogleRootKey> roots, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(roots);
        Envelope? envelope;
        try
        {
            envelope = Envelope.Parse(body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            envelope = null;
        }

        if (envelope is null)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.Malformed, "The body is not an ECv2SigningOnly callback (protocolVersion, signature, intermediateSigningKey and signedMessage).");
        }

        // 1. The intermediate key is signed by a current root key.
        var signedKeyBytes = LengthValue(SenderId, ProtocolVersion, envelope.SignedKey);
        var rootSigned = roots
            .Where(r => r.ProtocolVersion == ProtocolVersion && r.Expiration is { } expires && expires > now)
            .Any(r => envelope.KeySignatures.Any(s => VerifyDer(r.SubjectPublicKeyInfo, signedKeyBytes, s)));
        if (!rootSigned)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.RootSignature, "The intermediate signing key is not signed by a current Google root key.");
        }

        // 2. The intermediate key has not expired.
        IntermediateKey? intermediate;
        try
        {
            intermediate = IntermediateKey.Parse(envelope.SignedKey);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            intermediate = null;
        }

        if (intermediate is null)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.Malformed, "intermediateSigningKey.signedKey must hold keyValue and keyExpiration.");
        }

        if (intermediate.Expiration <= now)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.IntermediateExpired, "The intermediate signing key has expired.");
        }

        // 3. The message is signed by the intermediate key, for this issuer.
        if (!VerifyDer(intermediate.SubjectPublicKeyInfo, LengthValue(SenderId, issuerId, ProtocolVersion, envelope.SignedMessage), envelope.Signature))
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.MessageSignature, "The message's signature does not verify for this issuer.");
        }

        // 4. The message has not expired and is about this issuer's class and object.
        GoogleCallback? callback;
        try
        {
            callback = ParseMessage(envelope.SignedMessage);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            callback = null;
        }

        if (callback is null)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.Malformed, "signedMessage must hold classId, objectId, expTimeMillis, eventType and nonce.");
        }

        if (callback.ExpiresAt <= now)
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.MessageExpired, "The message has expired.");
        }

        var prefix = issuerId + ".";
        if (!callback.ClassId.StartsWith(prefix, StringComparison.Ordinal) || !callback.ObjectId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return GoogleCallbackVerification.Refused(GoogleCallbackFailure.WrongIssuer, "The class or object is not of this issuer.");
        }

        return new GoogleCallbackVerification(callback, GoogleCallbackFailure.None, null);
    }

    /// <summary>The bytes Google signs: each field as its UTF-8 length (4 bytes, little-endian) followed by its UTF-8 bytes.</summary>
    public static byte[] LengthValue(params string[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return buffer.ToArray();
    }

    /// <summary>The root keys of a keys document (<c>{"keys": [{"keyValue", "protocolVersion", "keyExpiration"}]}</c>); keys that cannot be read are left out.</summary>
    public static IReadOnlyList<GoogleRootKey> ParseKeys(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The keys document has no \"keys\" array.");
        }

        var result = new List<GoogleRootKey>();
        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind == JsonValueKind.Object
                && key.TryGetProperty("keyValue", out var value) && value.ValueKind == JsonValueKind.String
                && key.TryGetProperty("protocolVersion", out var protocol) && protocol.ValueKind == JsonValueKind.String
                && TryBase64(value.GetString()!, out var spki))
            {
                DateTimeOffset? expiration = key.TryGetProperty("keyExpiration", out var expires) && TryMillis(expires, out var at) ? at : null;
                result.Add(new GoogleRootKey(spki, protocol.GetString()!, expiration));
            }
        }

        return result;
    }

    private static GoogleCallback? ParseMessage(string signedMessage)
    {
        using var document = JsonDocument.Parse(signedMessage);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || Text(root, "classId") is not { } classId
            || Text(root, "objectId") is not { } objectId
            || Text(root, "eventType") is not { } eventType
            || Text(root, "nonce") is not { Length: > 0 } nonce
            || !root.TryGetProperty("expTimeMillis", out var exp) || !TryMillis(exp, out var expiresAt))
        {
            return null;
        }

        return new GoogleCallback(classId, objectId, eventType, nonce, expiresAt);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Milliseconds since the Unix epoch, as a JSON number or a string of digits (Google writes both).</summary>
    private static bool TryMillis(JsonElement element, out DateTimeOffset at)
    {
        at = default;
        long millis;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var number))
        {
            millis = number;
        }
        else if (element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            millis = parsed;
        }
        else
        {
            return false;
        }

        if (millis < 0 || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        return true;
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private const string P256Oid = "1.2.840.10045.3.1.7";

    private static bool VerifyDer(byte[] subjectPublicKeyInfo, byte[] data, byte[] signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return key.ExportParameters(false).Curve.Oid?.Value == P256Oid && key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The outer JSON of a callback.</summary>
    private sealed record Envelope(byte[] Signature, string SignedKey, IReadOnlyList<byte[]> KeySignatures, string SignedMessage)
    {
        public static Envelope? Parse(string body)
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "protocolVersion") != ProtocolVersion
                || Text(root, "signature") is not { } signature
                || Text(root, "signedMessage") is not { } signedMessage
                || !root.TryGetProperty("intermediateSigningKey", out var intermediate) || intermediate.ValueKind != JsonValueKind.Object
                || Text(intermediate, "signedKey") is not { } signedKey
                || !intermediate.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var keySignatures = signatures.EnumerateArray()
                .Where(s => s.ValueKind == JsonValueKind.String)
                .Take(10)
                .Select(s => Convert.FromBase64String(s.GetString()!))
                .ToList();
            return new Envelope(Convert.FromBase64String(signature), signedKey, keySignatures, signedMessage);
        }
    }

    /// <summary>The intermediate signing key: its public key and when it expires.</summary>
    private sealed record IntermediateKey(byte[] SubjectPublicKeyInfo, DateTimeOffset Expiration)
    {
        public static IntermediateKey? Parse(string signedKey)
        {
            using var document = JsonDocument.Parse(signedKey);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "keyValue") is not { } value
                || !TryBase64(value, out var spki)
                || !root.TryGetProperty("keyExpiration", out var expiration) || !TryMillis(expiration, out var expiresAt))
            {
                return null;
            }

            return new IntermediateKey(spki, expiresAt);
        }
    }
}
