namespace SevenStamp.Accounts.Data;

/// <summary>
/// A merchant the operator created. Merchants that existed before accounts (named only by their programs and
/// connectors) need no row: the tenant check compares ids, and the operator creates the row when inviting their owner.
/// </summary>
public sealed class Merchant
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
