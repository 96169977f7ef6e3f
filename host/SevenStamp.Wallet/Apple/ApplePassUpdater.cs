using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Moves a pass's update tag and tells every device that registered it (one APNs push each). A card whose pass was
/// never downloaded is left alone; a card with no registered device gets a new tag but no push.
/// </summary>
/// <returns>(from <see cref="UpdateAsync"/>) Whether the card has a pass, whose tag was moved.</returns>
internal sealed class ApplePassUpdater(WalletDbContext db, AppleWalletOptions options, ApnsClient apns, TimeProvider time, ILogger<ApplePassUpdater> logger)
{
    public async Task<bool> UpdateAsync(Guid cardId, CancellationToken cancellationToken)
    {
        var passType = options.PassTypeIdentifier;
        var issued = await db.Set<ApplePassToken>().AnyAsync(t => t.PassTypeId == passType && t.SerialNumber == cardId, cancellationToken);
        if (!issued)
        {
            return false;
        }

        var tag = await MoveTagAsync(db, passType, cardId, time.GetUtcNow(), cancellationToken);
        var pushTokens = await db.Set<ApplePassRegistration>().AsNoTracking()
            .Where(r => r.PassTypeId == passType && r.SerialNumber == cardId)
            .Select(r => r.PushToken)
            .Distinct()
            .ToListAsync(cancellationToken);
        if (pushTokens.Count == 0)
        {
            return true;
        }

        int delivered = 0, removed = 0;
        ApnsUnavailableException? unavailable = null;
        foreach (var pushToken in pushTokens)
        {
            try
            {
                var (outcome, reason) = await apns.PushAsync(pushToken, cancellationToken);
                if (outcome == ApnsOutcome.Delivered)
                {
                    delivered++;
                }
                else if (outcome == ApnsOutcome.Unregistered)
                {
                    removed += await db.Set<ApplePassRegistration>().Where(r => r.PassTypeId == passType && r.PushToken == pushToken).ExecuteDeleteAsync(cancellationToken);
                    AppleWalletLog.DeviceTokenRemoved(logger, cardId, reason ?? "Unregistered");
                }
            }
            catch (ApnsUnavailableException ex)
            {
                // The other devices still get theirs; the message is retried afterwards (a device pushed twice only fetches twice).
                unavailable = ex;
            }
        }

        AppleWalletLog.Pushed(logger, cardId, tag, delivered, pushTokens.Count, removed);
        if (unavailable is not null)
        {
            throw unavailable;
        }

        return true;
    }

    /// <summary>
    /// Gives the pass a tag greater than every tag so far (and than the clock in milliseconds), so a device that
    /// saw any tag asks again and gets this pass. Returns the new tag.
    /// </summary>
    internal static async Task<long> MoveTagAsync(WalletDbContext db, string passType, Guid serialNumber, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var highest = await db.Set<ApplePassUpdate>().MaxAsync(u => (long?)u.Tag, cancellationToken) ?? 0;
            var tag = Math.Max(now.ToUnixTimeMilliseconds(), highest + 1);
            var moved = await db.Set<ApplePassUpdate>()
                .Where(u => u.PassTypeId == passType && u.SerialNumber == serialNumber)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Tag, tag).SetProperty(u => u.UpdatedAt, now), cancellationToken);
            if (moved > 0)
            {
                return tag;
            }

            db.Set<ApplePassUpdate>().Add(new ApplePassUpdate { PassTypeId = passType, SerialNumber = serialNumber, Tag = tag, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return tag;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another update inserted the row first: move it instead.
                db.ChangeTracker.Clear();
            }
        }
    }
}
