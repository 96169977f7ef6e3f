using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// The schema conventions every area's context follows in the one database (loyalty, the connector runtime, the
/// wallet), so a table reads the same whichever context owns it and moving a table between contexts changes no name.
/// </summary>
public static class StoreConventions
{
    /// <summary>
    /// snake_case column names, and index names <c>ix_{table}_{columns}</c>, so the schema reads the same from psql,
    /// sqlite3 and the code. Call at the end of <c>OnModelCreating</c>, once every entity is configured.
    /// </summary>
    public static void UseSnakeCaseNames(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join("_", index.Properties.Select(p => SnakeCase(p.Name)))}");
            }
        }
    }

    /// <summary>
    /// SQLite has no date type: instants are stored as sortable integers, so that expiry, outbox and retention
    /// queries can compare them, in raw SQL parameters too (<see cref="ModelConfigurationBuilder.DefaultTypeMapping{TScalar}()"/>).
    /// </summary>
    public static void StoreInstantsAsIntegers(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.DefaultTypeMapping<DateTimeOffset>().HasConversion<DateTimeOffsetToBinaryConverter>();
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));
}
