using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SevenStamp.Testing;

/// <summary>
/// Google's side of Wallet callbacks for the tests: a root key (published by <see cref="KeysJson"/>, as Google's keys
/// endpoint does), an intermediate key it signs, and callback bodies signed with them the way Google signs them
/// (<c>ECv2SigningOnly</c>: ECDSA P-256 SHA-256, DER, over length-prefixed fields), with knobs to spoil one part.
/// Written from Google's "Add and delete callbacks" guide, independently of the host's verifier.
/// </summary>
public sealed class GoogleCallbackSigner : IDisposable
{
    public const string SenderId = "GooglePayPasses";
    public const string Protocol = "ECv2SigningOnly";

    private readonly Lock _gate = new();
    private ECDsa _root = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<ECDsa> _retired = [];

    /// <summary>How long the published root key stays valid (its <c>keyExpiration</c>).</summary>
    public TimeSpan RootLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The keys document Google serves: the current root key of protocol ECv2SigningOnly.</summary>
    public string KeysJson()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["keys"] = new JsonArray(
                    new JsonObject
                    {
                        ["keyValue"] = Convert.ToBase64String(_root.ExportSubjectPublicKeyInfo()),
                        ["protocolVersion"] = Protocol,
                        ["keyExpiration"] = Millis(DateTimeOffset.UtcNow + RootLifetime),
                    }),
            }.ToJsonString();
        }
    }

    /// <summary>Replaces the root key (Google rotated it): from now on the keys document and new callbacks use a new one.</summary>
    public void RotateRoot()
    {
        lock (_gate)
        {
            _retired.Add(_root);
            _root = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        }
    }

    /// <summary>A signed callback body about <paramref name="objectId"/> of <paramref name="classId"/> for <paramref name="issuerId"/>.</summary>
    public string Sign(string issuerId, string classId, string objectId, CallbackKnobs? knobs = null)
    {
        knobs ??= new CallbackKnobs();
        var now = DateTimeOffset.UtcNow;
        using var intermediate = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var unknownRoot = knobs.UnknownRoot ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var signedKey = new JsonObject
        {
            ["keyValue"] = Convert.ToBase64String(intermediate.ExportSubjectPublicKeyInfo()),
            ["keyExpiration"] = Millis(knobs.IntermediateExpiration ?? now.AddDays(1)),
        }.ToJsonString();
        byte[] keySignature;
        lock (_gate)
        {
            keySignature = (unknownRoot ?? _root).SignData(Fields(SenderId, Protocol, signedKey), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        var message = new JsonObject
        {
            ["classId"] = classId,
            ["objectId"] = objectId,
            ["expTimeMillis"] = (knobs.MessageExpiration ?? now.AddHours(1)).ToUnixTimeMilliseconds(),
            ["eventType"] = knobs.EventType,
            ["nonce"] = knobs.Nonce ?? Guid.NewGuid().ToString(),
        }.ToJsonString();
        var signature = intermediate.SignData(Fields(SenderId, knobs.RecipientId ?? issuerId, Protocol, message), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        if (knobs.TamperMessage)
        {
            message = message.Replace($"\"eventType\":\"{knobs.EventType}\"", "\"eventType\":\"save\",\"tampered\":true", StringComparison.Ordinal);
        }

        return new JsonObject
        {
            ["signature"] = Convert.ToBase64String(signature),
            ["intermediateSigningKey"] = new JsonObject
            {
                ["signedKey"] = signedKey,
                ["signatures"] = new JsonArray(Convert.ToBase64String(keySignature)),
            },
            ["protocolVersion"] = Protocol,
            ["signedMessage"] = message,
        }.ToJsonString();
    }

    /// <summary>Each field as its 4-byte little-endian UTF-8 length, then its UTF-8 bytes.</summary>
    private static byte[] Fields(params string[] fields)
    {
        var result = new List<byte>();
        foreach (var field in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            result.AddRange(length);
            result.AddRange(bytes);
        }

        return [.. result];
    }

    private static string Millis(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        lock (_gate)
        {
            _root.Dispose();
            foreach (var key in _retired)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>What to spoil in a callback; the defaults make a good <c>save</c>.</summary>
    public sealed record CallbackKnobs
    {
        /// <summary><c>save</c> or <c>del</c>.</summary>
        public string EventType { get; init; } = "save";

        /// <summary>The message's nonce; null = a new one.</summary>
        public string? Nonce { get; init; }

        /// <summary>When the intermediate key expires; null = in a day.</summary>
        public DateTimeOffset? IntermediateExpiration { get; init; }

        /// <summary>When the message expires (<c>expTimeMillis</c>); null = in an hour.</summary>
        public DateTimeOffset? MessageExpiration { get; init; }

        /// <summary>The recipient the message is signed for; null = the issuer it is sent to.</summary>
        public string? RecipientId { get; init; }

        /// <summary>The message is changed after it was signed.</summary>
        public bool TamperMessage { get; init; }

        /// <summary>The intermediate key is signed by a root key Google never published.</summary>
        public bool UnknownRoot { get; init; }
    }
}
