using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Wallet.Data;

/// <summary>
/// One authentication token of an Apple pass, stored as its SHA-256 (hex), bound to the pass it was minted for
/// (pass type id + serial number, the card id). Every download of the pass through the customer's card link mints
/// one; a device presents its pass's token as <c>Authorization: ApplePass &lt;token&gt;</c>.
/// </summary>
public sealed class ApplePassToken
{
    public long Id { get; set; }

    public required string PassTypeId { get; set; }

    public Guid SerialNumber { get; set; }

    public required string TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A device registered for updates of one pass (Apple's PassKit web service), with the push token APNs knows it by.</summary>
public sealed class ApplePassRegistration
{
    public long Id { get; set; }

    public required string DeviceLibraryId { get; set; }

    public required string PassTypeId { get; set; }

    public Guid SerialNumber { get; set; }

    public required string PushToken { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The update tag of one pass: a number that only grows (milliseconds since the Unix epoch, at least one more
/// than every tag before it); devices ask for the passes updated since the tag they last saw.
/// </summary>
public sealed class ApplePassUpdate
{
    public required string PassTypeId { get; set; }

    public Guid SerialNumber { get; set; }

    public long Tag { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The tables of Apple Wallet passes: tokens, device registrations and update tags.</summary>
internal static class AppleWalletModel
{
    public const int PassTypeIdLength = 128;
    public const int DeviceIdLength = 128;
    public const int PushTokenLength = 200;

    internal static void Configure(ModelBuilder b)
    {
        b.Entity<ApplePassToken>(token =>
        {
            token.ToTable("apple_pass_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.PassTypeId).HasMaxLength(PassTypeIdLength);
            token.Property(t => t.TokenHash).HasMaxLength(64);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => new { t.PassTypeId, t.SerialNumber });
        });

        b.Entity<ApplePassRegistration>(registration =>
        {
            registration.ToTable("apple_pass_registrations");
            registration.HasKey(r => r.Id);
            registration.Property(r => r.DeviceLibraryId).HasMaxLength(DeviceIdLength);
            registration.Property(r => r.PassTypeId).HasMaxLength(PassTypeIdLength);
            registration.Property(r => r.PushToken).HasMaxLength(PushTokenLength);
            registration.HasIndex(r => new { r.DeviceLibraryId, r.PassTypeId, r.SerialNumber }).IsUnique();
            registration.HasIndex(r => new { r.PassTypeId, r.SerialNumber });
            registration.HasIndex(r => r.PushToken);
        });

        b.Entity<ApplePassUpdate>(update =>
        {
            update.ToTable("apple_pass_updates");
            update.HasKey(u => new { u.PassTypeId, u.SerialNumber });
            update.Property(u => u.PassTypeId).HasMaxLength(PassTypeIdLength);
            update.HasIndex(u => u.Tag);
        });
    }
}
