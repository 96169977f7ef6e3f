using Microsoft.EntityFrameworkCore;
using SevenStamp.Accounts.Data;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Audit;

/// <summary>
/// The append-only audit log: who changed what of which merchant, and when, with a short before/after (never
/// secrets). Written by the audit middleware for every change a caller makes and by the sign-in; read by owners.
/// </summary>
public sealed class AuditLog(AccountsDbContext db, TimeProvider time)
{
    /// <summary>The longest a before/after summary is kept; longer ones are cut with an ellipsis.</summary>
    public const int SummaryLength = 2000;

    /// <summary>The most entries one read returns.</summary>
    public const int MaxPage = 500;

    /// <summary>Appends one entry, now.</summary>
    public async Task AppendAsync(string? merchantId, string actorKind, string actor, string kind, string? subject, string? before, string? after, CancellationToken cancellationToken)
    {
        db.AuditEntries.Add(new AuditEntry
        {
            MerchantId = merchantId,
            At = time.GetUtcNow(),
            ActorKind = actorKind,
            Actor = Cut(actor, AccountsDbContext.NameLength)!,
            Kind = Cut(kind, AccountsDbContext.NameLength)!,
            Subject = Cut(subject, AccountsDbContext.NameLength),
            Before = Cut(before, SummaryLength),
            After = Cut(after, SummaryLength),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Appends one entry made by <paramref name="caller"/>.</summary>
    public Task AppendAsync(Caller caller, string? merchantId, string kind, AuditNote? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return AppendAsync(merchantId, caller.Kind.ToString(), caller.Name, kind, note?.Subject, note?.Before, note?.After, cancellationToken);
    }

    /// <summary>A merchant's entries, newest first, filtered by time (from inclusive, to exclusive), actor and kind.</summary>
    public Task<List<AuditEntry>> ReadAsync(string merchantId, DateTimeOffset? from, DateTimeOffset? to, string? actor, string? kind, int limit, CancellationToken cancellationToken)
    {
        var query = db.AuditEntries.AsNoTracking().Where(e => e.MerchantId == merchantId);
        if (from is { } start)
        {
            query = query.Where(e => e.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(e => e.At < end);
        }

        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.Actor == actor);
        }

        if (!string.IsNullOrEmpty(kind))
        {
            // "connector" matches every connector.* kind; "connector.deleted" only itself.
            query = kind.Contains('.', StringComparison.Ordinal) ? query.Where(e => e.Kind == kind) : query.Where(e => e.Kind.StartsWith(kind + "."));
        }

        return query.OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, MaxPage)).ToListAsync(cancellationToken);
    }

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
