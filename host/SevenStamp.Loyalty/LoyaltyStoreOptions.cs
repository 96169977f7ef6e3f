using System.ComponentModel.DataAnnotations;

namespace SevenStamp.Loyalty;

/// <summary>The database providers the loyalty store runs on.</summary>
public enum LoyaltyStoreProvider
{
    /// <summary>An embedded SQLite file: the zero-setup default, one host.</summary>
    Sqlite = 0,

    /// <summary>PostgreSQL: production, several replicas.</summary>
    PostgreSql = 1,
}

/// <summary>Where the loyalty store lives. Bound from the <c>SevenStamp:Database</c> section.</summary>
public sealed class LoyaltyStoreOptions
{
    public const string SectionName = "SevenStamp:Database";

    public LoyaltyStoreProvider Provider { get; set; } = LoyaltyStoreProvider.Sqlite;

    /// <summary>
    /// The ADO.NET connection string: <c>Data Source=sevenstamp.db</c> for SQLite,
    /// <c>Host=…;Database=…;Username=…;Password=…</c> for PostgreSQL. Never logged.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "SevenStamp:Database:ConnectionString is required: e.g. 'Data Source=sevenstamp.db' (SQLite) or 'Host=…;Database=…;Username=…;Password=…' (PostgreSQL).")]
    public string ConnectionString { get; set; } = "Data Source=sevenstamp.db";
}
