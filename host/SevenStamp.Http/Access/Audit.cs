using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SevenStamp.Http.Access;

/// <summary>
/// Endpoint metadata: the kind of change an endpoint makes, as the audit log names it (e.g. <c>voucher.voided</c>).
/// Every change a person or key makes is logged whether or not its endpoint says so (the kind is then the method and
/// route); <see cref="Kind"/> null marks an endpoint that changes nothing despite its method (a validation).
/// </summary>
public sealed record Audited(string? Kind);

/// <summary>What a handler tells the audit log about its change: the thing changed and a before/after summary, no secrets.</summary>
public sealed class AuditNote
{
    /// <summary>The kind of change, where the endpoint does not declare one (a page names each change it makes).</summary>
    public string? Kind { get; set; }

    /// <summary>The merchant the change is of, where the route does not name it (a merchant just created).</summary>
    public string? MerchantId { get; set; }

    public string? Subject { get; set; }

    public string? Before { get; set; }

    public string? After { get; set; }

    /// <summary>
    /// The request was refused on its merits (a counter scan of a code already redeemed, expired or unknown) and is
    /// logged all the same, whatever its status: attempts show in the log beside the changes.
    /// </summary>
    public bool Refusal { get; set; }
}

/// <summary>Declares an endpoint's audit kind, and lets its handler describe the change.</summary>
public static class AuditExtensions
{
    /// <summary>Names the change the endpoint makes in the audit log.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string kind)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Audited(kind));

    /// <summary>Marks an endpoint that changes nothing though its method is not GET (e.g. a validation).</summary>
    public static TBuilder NotAudited<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Audited(null));

    /// <summary>
    /// Describes this request's change for the audit log: <paramref name="subject"/> (what was changed),
    /// <paramref name="before"/> and <paramref name="after"/> (short summaries; never secrets).
    /// </summary>
    public static void Audit(this HttpContext context, string? subject, string? before, string? after)
    {
        ArgumentNullException.ThrowIfNull(context);
        var note = context.Features.Get<AuditNote>();
        if (note is null)
        {
            note = new AuditNote();
            context.Features.Set(note);
        }

        note.Subject = subject ?? note.Subject;
        note.Before = before ?? note.Before;
        note.After = after ?? note.After;
    }

    /// <summary>
    /// Describes a page's change for the audit log, naming its <paramref name="kind"/> (e.g. <c>program.edited</c>):
    /// a page (<see cref="PageAccessAttribute"/>) is audited only when it calls this.
    /// </summary>
    public static void Audit(this HttpContext context, string kind, string? subject, string? before, string? after)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        context.Audit(subject, before, after);
        context.Features.Get<AuditNote>()!.Kind = kind;
    }
}
