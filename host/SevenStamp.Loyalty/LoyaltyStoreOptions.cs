namespace SevenStamp.Loyalty;

/// <summary>Where the loyalty store lives. Bound from the <c>SevenStamp:Database</c> section.</summary>
public sealed class LoyaltyStoreOptions
{
    public const string SectionName = "SevenStamp:Database";

    /// <summary>The database provider. Only <c>Sqlite</c> is supported so far.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>The ADO.NET connection string, e.g. <c>Data Source=sevenstamp.db</c>.</summary>
    public string ConnectionString { get; set; } = "Data Source=sevenstamp.db";
}
