using System.Security.Cryptography;
using System.Text;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The customer's own voucher link, <c>/v/{voucherId}/{token}</c>: the token is an HMAC of the voucher id under the
/// host's link secret, so links need no storage, survive restarts and work on every replica that shares the
/// secret, and one voucher's token says nothing about another's.
/// </summary>
public sealed class VoucherLinks
{
    private readonly byte[] _secret;

    public VoucherLinks(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (Encoding.UTF8.GetByteCount(secret) < 32)
        {
            throw new ArgumentException("SevenStamp:Vouchers:LinkSecret must be at least 32 characters (e.g. 32 random bytes, base64).", nameof(secret));
        }

        _secret = Encoding.UTF8.GetBytes(secret);
    }

    public string TokenFor(Guid voucherId) => StaffTokens.Base64Url(HMACSHA256.HashData(_secret, voucherId.ToByteArray()));

    public string PathFor(Guid voucherId) => $"/v/{voucherId:N}/{TokenFor(voucherId)}";

    /// <summary>Constant-time check of a presented token.</summary>
    public bool Verify(Guid voucherId, string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(TokenFor(voucherId)), Encoding.ASCII.GetBytes(token));
}
