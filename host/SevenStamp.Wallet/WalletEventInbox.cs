using Microsoft.EntityFrameworkCore;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet;

/// <summary>
/// Lets each wallet consumer apply a loyalty event once. The outbox publishes at least once: a replica paused past
/// its claim on a row publishes it again after another replica has, under the same message id. Without this a pass
/// would move and its phones be pushed once per copy. An event is recorded after it was applied, so one that failed
/// is retried; two copies handled at the very same moment may both be applied, which is harmless (a pass shows the
/// card's current state).
/// </summary>
public sealed class WalletEventInbox(WalletDbContext db, TimeProvider time)
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private static long s_lastPruneTicks;

    /// <summary>True when <paramref name="consumer"/> already applied the message <paramref name="messageId"/>.</summary>
    public Task<bool> WasAppliedAsync(string consumer, Guid? messageId, CancellationToken cancellationToken) =>
        messageId is { } id
            ? db.WalletAppliedEvents.AsNoTracking().AnyAsync(a => a.Consumer == consumer && a.MessageId == id, cancellationToken)
            : Task.FromResult(false);

    /// <summary>Records that <paramref name="consumer"/> applied <paramref name="messageId"/>; a second record of it changes nothing.</summary>
    public async Task MarkAppliedAsync(string consumer, Guid? messageId, CancellationToken cancellationToken)
    {
        if (messageId is not { } id)
        {
            return;
        }

        var now = time.GetUtcNow();
        db.WalletAppliedEvents.Add(new WalletAppliedEvent { Consumer = consumer, MessageId = id, AppliedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            if (!await WasAppliedAsync(consumer, id, cancellationToken))
            {
                throw;
            }

            // The other copy, handled at the same moment, was recorded first.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        var last = Interlocked.Read(ref s_lastPruneTicks);
        if (now.UtcTicks - last > PruneEvery.Ticks && Interlocked.CompareExchange(ref s_lastPruneTicks, now.UtcTicks, last) == last)
        {
            var before = now - WalletAppliedEventModel.Retention;
            await db.WalletAppliedEvents.Where(a => a.AppliedAt < before).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
