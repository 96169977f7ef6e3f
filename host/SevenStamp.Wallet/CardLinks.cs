using System.Security.Cryptography;
using System.Text;
using System.Buffers.Text;
using SevenStamp.Loyalty.Api;

namespace SevenStamp.Wallet;

/// <summary>
/// The customer's own card link, <c>/wallet/cards/{cardId}/{token}</c>, from which the Apple pass is downloaded and
/// the Google Save link is taken. The token is an HMAC of the card id under the host's link secret (the one voucher
/// links use, with a purpose label of its own), so links need no storage and work on every replica. The loyalty API
/// shows it in every card, through <see cref="IWalletCardLinks"/>.
/// </summary>
public sealed class CardLinks : IWalletCardLinks
{
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("sevenstamp-card-link:");
    private readonly byte[] _secret;

    public CardLinks(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (Encoding.UTF8.GetByteCount(secret) < 32)
        {
            throw new ArgumentException("SevenStamp:Vouchers:LinkSecret must be at least 32 characters (e.g. 32 random bytes, base64).", nameof(secret));
        }

        _secret = Encoding.UTF8.GetBytes(secret);
    }

    public string TokenFor(Guid cardId) => Base64Url.EncodeToString(HMACSHA256.HashData(_secret, (byte[])[.. Purpose, .. cardId.ToByteArray()]));

    /// <summary>The path of the card's page; the wallet endpoints hang below it.</summary>
    public string PathFor(Guid cardId) => $"/wallet/cards/{cardId:N}/{TokenFor(cardId)}";

    /// <summary>Constant-time check of a presented token.</summary>
    public bool Verify(Guid cardId, string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(TokenFor(cardId)), Encoding.ASCII.GetBytes(token));
}
