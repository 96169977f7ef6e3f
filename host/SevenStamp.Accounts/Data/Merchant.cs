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

    /// <summary>
    /// The language customers and staff read when their browser asks for none of the supported ones
    /// (<see cref="SevenStamp.Http.Localization.PeopleLanguages"/>); null for English.
    /// </summary>
    public string? Language { get; set; }
}
