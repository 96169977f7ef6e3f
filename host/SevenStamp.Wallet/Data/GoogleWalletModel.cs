using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Wallet.Data;

/// <summary>
/// The nonce of a Google Wallet save callback already acted on: Google may deliver one callback more than once, and
/// each save is recorded once. Rows older than <see cref="GoogleWalletModel.NonceRetention"/> are pruned (Google's
/// messages expire long before).
/// </summary>
public sealed class GoogleCallbackNonce
{
    public required string Nonce { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>The tables of Google Wallet: the nonces of the callbacks seen.</summary>
internal static class GoogleWalletModel
{
    public const int NonceLength = 200;

    /// <summary>How long a callback's nonce is remembered.</summary>
    public static readonly TimeSpan NonceRetention = TimeSpan.FromDays(7);

    internal static void Configure(ModelBuilder b)
    {
        b.Entity<GoogleCallbackNonce>(nonce =>
        {
            nonce.ToTable("google_callback_nonces");
            nonce.HasKey(n => n.Nonce);
            nonce.Property(n => n.Nonce).HasMaxLength(NonceLength);
            nonce.HasIndex(n => n.ReceivedAt);
        });
    }
}
