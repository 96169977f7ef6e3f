using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Encrypts the secret setting values of API-managed connectors before they are stored: AES-256-GCM with the key
/// <c>SevenStamp:Connectors:SecretsKey</c>, a fresh 12-byte nonce per value, and the connector id and setting
/// name as associated data (a value copied to another connector or field does not decrypt). Stored form:
/// <c>enc:v1:</c> + base64(nonce ‖ ciphertext ‖ tag).
/// </summary>
public sealed class ConnectorSecrets
{
    public const string KeySetting = "SevenStamp:Connectors:SecretsKey";
    private const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[]? _key;

    public ConnectorSecrets(IOptions<SevenStampOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var text = options.Value.Connectors.SecretsKey;
        _key = string.IsNullOrWhiteSpace(text) ? null : ParseKey(text) ?? throw new OptionsValidationException(KeySetting, typeof(SevenStampOptions), [KeyProblem]);
    }

    /// <summary>What is wrong with a key that is not 32 bytes of base64.</summary>
    public const string KeyProblem = KeySetting + " must be 32 random bytes in base64 (44 characters), e.g. the output of 'openssl rand -base64 32'";

    /// <summary>True when a secrets key is configured, so plain secret values can be stored.</summary>
    public bool CanEncrypt => _key is not null;

    public static bool IsProtected(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The key bytes of a base64 text, or null when it is not 32 bytes of base64.</summary>
    public static byte[]? ParseKey(string text)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(text.Trim(), buffer, out var written) && written == 32 ? buffer[..32] : null;
    }

    public string Protect(string connectorId, string field, string value)
    {
        var key = _key ?? throw new InvalidOperationException($"No secrets key: set {KeySetting}.");
        var plain = Encoding.UTF8.GetBytes(value);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), AssociatedData(connectorId, field));
        CryptographicOperations.ZeroMemory(plain);
        return Prefix + Convert.ToBase64String(output);
    }

    /// <summary>The plain value of a stored secret, or a problem in words (never the value).</summary>
    public (string? Value, string? Problem) Unprotect(string connectorId, string field, string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!IsProtected(stored))
        {
            return (stored, null);
        }

        if (_key is null)
        {
            return (null, $"is stored encrypted, but {KeySetting} is not set on this host; set the same key as on the replica that stored it");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(stored[Prefix.Length..]);
        }
        catch (FormatException)
        {
            return (null, "is stored in a damaged form; set the value again");
        }

        if (data.Length < NonceSize + TagSize)
        {
            return (null, "is stored in a damaged form; set the value again");
        }

        var cipherLength = data.Length - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, cipherLength), data.AsSpan(NonceSize + cipherLength), plain, AssociatedData(connectorId, field));
        }
        catch (AuthenticationTagMismatchException)
        {
            return (null, $"cannot be decrypted with this host's {KeySetting} (a different key than the one it was stored with); use the same key on every replica, or set the value again");
        }

        return (Encoding.UTF8.GetString(plain), null);
    }

    private static byte[] AssociatedData(string connectorId, string field) => Encoding.UTF8.GetBytes(connectorId + "\n" + field);
}

/// <summary>Fails the host at start, naming the setting, when the connector management settings are unusable.</summary>
internal sealed class ConnectorManagementOptionsValidator : IValidateOptions<SevenStampOptions>
{
    public ValidateOptionsResult Validate(string? name, SevenStampOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var key = options.Connectors.SecretsKey;
        if (!string.IsNullOrWhiteSpace(key) && ConnectorSecrets.ParseKey(key) is null)
        {
            failures.Add(ConnectorSecrets.KeyProblem);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
