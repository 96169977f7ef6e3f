namespace SevenStamp.Accounts.Data;

/// <summary>
/// One change made by a person, a key or the operator, or one sign-in attempt. Rows are only ever added: nothing in
/// the product updates or deletes them.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>The merchant whose data changed; null for the host's own (none so far).</summary>
    public string? MerchantId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary><c>Operator</c>, <c>ApiKey</c>, <c>StaffToken</c>, <c>Person</c>, or <c>Anonymous</c> (a failed sign-in).</summary>
    public required string ActorKind { get; set; }

    /// <summary>The person's user name, the key's or staff member's name, or "operator".</summary>
    public required string Actor { get; set; }

    /// <summary>What happened, e.g. <c>program.edited</c>, <c>voucher.voided</c>, <c>signin.failed</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>What it happened to (a connector id, voucher id, key name…).</summary>
    public string? Subject { get; set; }

    public string? Before { get; set; }

    public string? After { get; set; }
}
