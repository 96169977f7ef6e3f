using System.Security.Cryptography;
using System.Text;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Turns customer contact data into the hashes carried by <see cref="Contracts.CustomerIdentifiers"/>, so
/// phone numbers and email addresses never travel or get stored in clear text. Every connector must use
/// these so the same customer matches across connectors.
/// </summary>
public static class CustomerHash
{
    /// <summary>SHA-256 (lower-case hex) of the trimmed, lower-cased address; null when there is no usable address.</summary>
    public static string? Email(string? email)
    {
        var normalized = email?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(normalized) || !normalized.Contains('@', StringComparison.Ordinal) ? null : Hash(normalized);
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the number's digits with a leading '+', e.g. <c>+4915112345678</c>;
    /// null when fewer than 6 digits remain. Numbers must already be in international form.
    /// </summary>
    public static string? Phone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        var digits = new StringBuilder("+");
        var text = phone.Trim();
        var start = text.StartsWith("00", StringComparison.Ordinal) ? 2 : 0;
        for (var i = start; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]))
            {
                digits.Append(text[i]);
            }
        }

        return digits.Length < 7 ? null : Hash(digits.ToString());
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
