using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Api;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// A merchant's Redeem Code pool, for the API and the console alike: what is left in it and what is owed, and the
/// import of the POS's code export (read by <see cref="PoolFile"/>, then added by the engine, which mints the
/// vouchers that were waiting for a code).
/// </summary>
public sealed class RedeemCodePool(LoyaltyDbContext db, LoyaltyEngine engine, CampaignService campaigns)
{
    /// <summary>The pool of the merchant's program; null when the merchant has no program.</summary>
    public async Task<PoolCounts?> CountsAsync(string merchantId, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().Where(p => p.MerchantId == merchantId)
            .Select(p => new { p.Id, p.CodeSource }).SingleOrDefaultAsync(cancellationToken);
        if (program is null)
        {
            return null;
        }

        var unassigned = await db.PoolCodes.CountAsync(c => c.ProgramId == program.Id && c.Pool == PoolCode.GoalPool && c.VoucherId == null, cancellationToken);

        // A card owes one voucher per goal reached that has none yet (the pool ran dry then): the rule
        // VoucherLedger.MintOwedVouchersAsync mints them by.
        var owed = await db.Cards.Where(c => c.ProgramId == program.Id)
            .Select(c => c.CyclesCompleted - db.Vouchers.Count(v => v.CardId == c.Id && v.Kind == VoucherKind.Goal))
            .Where(missing => missing > 0)
            .SumAsync(missing => (int?)missing, cancellationToken) ?? 0;
        return new PoolCounts(program.CodeSource, unassigned, owed);
    }

    /// <summary>
    /// Reads <paramref name="body"/> (CSV or, when <paramref name="contentType"/> says JSON, a JSON array) and imports
    /// its codes into the merchant's pool. The outcome says what went wrong, or how many codes were read and added and
    /// how many owed vouchers were minted.
    /// </summary>
    public Task<PoolImport> ImportAsync(string merchantId, string contentType, byte[] body, CancellationToken cancellationToken) =>
        ImportAsync(merchantId, PoolCode.GoalPool, contentType, body, cancellationToken);

    /// <summary>
    /// The same into one of the program's pools: <see cref="PoolCode.GoalPool"/> (empty), <c>milestone:N</c> for the
    /// milestone of the Nth visit (the program must have it) or <c>campaign:{id}</c> for a campaign of the merchant's.
    /// </summary>
    public async Task<PoolImport> ImportAsync(string merchantId, string pool, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var program = await db.Programs.AsNoTracking().Where(p => p.MerchantId == merchantId).SingleOrDefaultAsync(cancellationToken);
        if (program is null)
        {
            return new PoolImport(PoolImportOutcome.NoProgram, null, 0, 0, 0);
        }

        if (pool.StartsWith(CampaignPoolPrefix, StringComparison.Ordinal))
        {
            // The campaign's own import, which also checks the campaign is the merchant's: a campaign that ran out
            // of codes sends to the cards still waiting.
            var import = Guid.TryParse(pool.AsSpan(CampaignPoolPrefix.Length), out var campaignId)
                ? await campaigns.ImportPoolAsync(merchantId, campaignId, contentType, body, cancellationToken)
                : null;
            return import ?? new PoolImport(PoolImportOutcome.Invalid, $"pool \"{pool}\" is no campaign of yours; {PoolHelp}", 0, 0, 0);
        }

        if (PoolProblem(program, pool) is { } problem)
        {
            return new PoolImport(PoolImportOutcome.Invalid, problem, 0, 0, 0);
        }

        var (codes, error) = PoolFile.Parse(contentType, body);
        if (error is not null)
        {
            return new PoolImport(PoolImportOutcome.Invalid, error, 0, 0, 0);
        }

        var (added, minted) = await engine.ImportPoolCodesAsync(program.Id, pool, codes, cancellationToken);
        return new PoolImport(PoolImportOutcome.Imported, null, codes.Count, added, minted);
    }

    private const string CampaignPoolPrefix = "campaign:";

    private const string PoolHelp = "name the stamp goal's pool (leave it out), \"milestone:N\" for the reward of the Nth visit or \"campaign:<id>\" for a campaign";

    /// <summary>Why <paramref name="pool"/> (not a campaign's) names no pool of the program; null when it does.</summary>
    private static string? PoolProblem(LoyaltyProgram program, string pool)
    {
        if (pool == PoolCode.GoalPool)
        {
            return null;
        }

        if (pool.StartsWith("milestone:", StringComparison.Ordinal))
        {
            return int.TryParse(pool.AsSpan("milestone:".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var visit)
                && program.Milestones.Any(m => m.Visit == visit)
                ? null
                : $"pool \"{pool}\" is no milestone of the program; {PoolHelp}";
        }

        return $"pool \"{pool}\" is unknown; {PoolHelp}";
    }
}

/// <summary>
/// The pool of a program: where its vouchers' codes come from (<see cref="RedeemCodeSource.Generated"/>: the pool is
/// not used), the imported codes not yet given to a voucher, and the vouchers waiting for a code.
/// </summary>
public sealed record PoolCounts(RedeemCodeSource CodeSource, int Unassigned, int Owed);

public enum PoolImportOutcome
{
    Imported = 0,

    /// <summary>The file could not be read; <see cref="PoolImport.Error"/> names the line or element.</summary>
    Invalid = 1,

    /// <summary>The merchant has no program yet.</summary>
    NoProgram = 2,
}

/// <summary>What an import did: codes read from the file, codes new to the pool, owed vouchers minted with them.</summary>
public sealed record PoolImport(PoolImportOutcome Outcome, string? Error, int Received, int Added, int VouchersMinted);
