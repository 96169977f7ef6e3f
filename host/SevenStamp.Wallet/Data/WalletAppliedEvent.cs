using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Wallet.Data;

/// <summary>
/// A loyalty event one wallet consumer (<see cref="Consumer"/>: <c>apple</c> or <c>google</c>) has applied to a pass,
/// by the message id the outbox gives it. Kept <see cref="WalletAppliedEventModel.Retention"/>, far longer than the
/// outbox takes to publish a row again.
/// </summary>
public sealed class WalletAppliedEvent
{
    public required string Consumer { get; set; }

    public Guid MessageId { get; set; }

    public DateTimeOffset AppliedAt { get; set; }
}

/// <summary>The table of the events the wallet consumers applied.</summary>
internal static class WalletAppliedEventModel
{
    public const int ConsumerLength = 20;

    /// <summary>How long an applied event's id is remembered.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    internal static void Configure(ModelBuilder b)
    {
        b.Entity<WalletAppliedEvent>(applied =>
        {
            applied.ToTable("wallet_applied_events");
            applied.HasKey(a => new { a.Consumer, a.MessageId });
            applied.Property(a => a.Consumer).HasMaxLength(ConsumerLength);
            applied.HasIndex(a => a.AppliedAt);
        });
    }
}
