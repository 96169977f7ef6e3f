using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>A card's counters: its stamps in total (never below zero) and the stamp goals it has completed.</summary>
internal sealed record CardCounters(int TotalStamps, int CyclesCompleted);

/// <summary>
/// The cards' totals: every change of a card's stamps or completed cycles is one atomic statement that creates the card
/// or changes it and returns what it now holds, and leaves the row locked until commit, so concurrent sales of the
/// same card add up and never mint the same cycle twice.
/// </summary>
internal sealed class CardTotals(LoyaltyDbContext db)
{
    /// <summary>
    /// The customer's card in the program, created with no stamps when they have none yet (<c>Created</c>: this call
    /// made it).
    /// </summary>
    public async Task<(Guid CardId, bool Created)> EnsureCardAsync(LoyaltyProgram program, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at)
            VALUES ({Guid.NewGuid()}, {program.Id}, {customerId}, {program.MerchantId}, 0, 0, {now}, {now})
            ON CONFLICT (program_id, customer_id) DO NOTHING
            """,
            cancellationToken);
        var cardId = await db.Cards.Where(c => c.ProgramId == program.Id && c.CustomerId == customerId).Select(c => c.Id).SingleAsync(cancellationToken);
        return (cardId, inserted == 1);
    }

    /// <summary>
    /// Creates the customer's card with <paramref name="stamps"/> (> 0), or adds them to the card they have, in one
    /// statement; returns the card, its counters after the change and whether this statement created it (the id it
    /// returns is the new one it offered). The row stays locked until commit.
    /// </summary>
    public async Task<(Guid CardId, CardCounters Counters, bool Created)> AddToCardAsync(LoyaltyProgram program, Guid customerId, int stamps, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var offered = Guid.NewGuid();
        var rows = await db.Database.SqlQuery<CardRow>(
            $"""
            INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at)
            VALUES ({offered}, {program.Id}, {customerId}, {program.MerchantId}, {stamps}, 0, {db.DbInstant(now)}, {db.DbInstant(now)})
            ON CONFLICT (program_id, customer_id) DO UPDATE
            SET total_stamps = CASE WHEN cards.total_stamps + {stamps} < 0 THEN 0 ELSE cards.total_stamps + {stamps} END, updated_at = {db.DbInstant(now)}
            RETURNING id AS "Id", total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken);
        var row = rows.Single();
        return (row.Id, new CardCounters(row.TotalStamps, row.CyclesCompleted), row.Id == offered);
    }

    /// <summary>One atomic change of the card's total (never below zero); the row stays locked until commit.</summary>
    public async Task<CardCounters> AddAsync(Guid cardId, int stamps, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<CardCounters>(
            $"""
            UPDATE cards
            SET total_stamps = CASE WHEN total_stamps + {stamps} < 0 THEN 0 ELSE total_stamps + {stamps} END, updated_at = {db.DbInstant(now)}
            WHERE id = {cardId}
            RETURNING total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken);
        return rows.Single();
    }

    /// <summary>Records that the card completed <paramref name="cycles"/> goals; cycles never go back.</summary>
    public Task<int> SetCyclesCompletedAsync(Guid cardId, int cycles, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"UPDATE cards SET cycles_completed = {cycles} WHERE id = {cardId} AND cycles_completed < {cycles}", cancellationToken);

    /// <summary>
    /// One statement that creates or adds to every card of <paramref name="cards"/> (one addition per card, in the
    /// order their rows are to be locked); returns each card as it stands with them (a card whose id is its addition's
    /// <see cref="CardAddition.NewId"/> was created by it). The rows stay locked until commit.
    /// </summary>
    public async Task<List<CardsRow>> AddToCardsAsync(CardAddition[] cards, CancellationToken cancellationToken)
    {
        var sql = new SqlText("INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at) VALUES ");
        sql.Rows(cards, card =>
        {
            var now = sql.Parameter(db.DbInstant(card.Now));
            return [sql.Parameter(card.NewId), sql.Parameter(card.Key.ProgramId), sql.Parameter(card.Key.CustomerId), sql.Parameter(card.MerchantId), sql.Parameter(card.Stamps), "0", now, now];
        });
        sql.Append("""
             ON CONFLICT (program_id, customer_id) DO UPDATE
            SET total_stamps = CASE WHEN cards.total_stamps + excluded.total_stamps < 0 THEN 0 ELSE cards.total_stamps + excluded.total_stamps END, updated_at = excluded.updated_at
            RETURNING id AS "Id", program_id AS "ProgramId", customer_id AS "CustomerId", total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """);
        return await db.Database.SqlQueryRaw<CardsRow>(sql.Text, sql.Parameters).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Stamps to add to one card (a card's stamps of a batch summed), created as of <see cref="Now"/> with the id
    /// <see cref="NewId"/> when new.
    /// </summary>
    internal sealed record CardAddition((Guid ProgramId, Guid CustomerId) Key, string MerchantId, int Stamps, DateTimeOffset Now)
    {
        public Guid NewId { get; } = Guid.NewGuid();
    }

    internal sealed record CardRow(Guid Id, int TotalStamps, int CyclesCompleted);

    internal sealed record CardsRow(Guid Id, Guid ProgramId, Guid CustomerId, int TotalStamps, int CyclesCompleted);
}
