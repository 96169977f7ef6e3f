using Microsoft.EntityFrameworkCore.Storage;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The one transaction of an engine call, shared by the engine's parts (<see cref="SaleStamping"/>,
/// <see cref="VoucherLedger"/>, <see cref="VoucherRedemption"/>): they begin it here and commit it here, so a commit
/// always writes the pending rows first and wakes the outbox relay after, and they keep here what the transaction
/// minted that is not saved yet.
/// </summary>
internal sealed class EngineTransaction(LoyaltyDbContext db, OutboxSignal outboxSignal)
{
    /// <summary>
    /// Cycles whose vouchers this transaction minted, by card: they are written with the transaction's next
    /// <c>SaveChanges</c>, so a later sale of the same card in the batch learns of them here, not from the database.
    /// Emptied whenever the change tracker is (a rollback) and at each commit.
    /// </summary>
    public Dictionary<Guid, HashSet<int>> MintedCycles { get; } = [];

    public Task<IDbContextTransaction> BeginAsync(CancellationToken cancellationToken) => db.Database.BeginTransactionAsync(cancellationToken);

    /// <summary>Writes the pending rows, commits, and wakes the outbox relay so the events go out without waiting for its next poll.</summary>
    public async Task CommitAsync(IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        MintedCycles.Clear();
        outboxSignal.Notify();
    }

    /// <summary>Forgets every change not written yet, after the transaction (or a savepoint of it) was rolled back.</summary>
    public void Forget()
    {
        db.ChangeTracker.Clear();
        MintedCycles.Clear();
    }
}
