using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Data;

/// <summary>Classifies database errors the same way on every provider.</summary>
public static class DbErrors
{
    private const int SqliteConstraint = 19;
    private const string PostgresUniqueViolation = "23505";

    /// <summary>True when the save failed on a unique index: the row is already there.</summary>
    public static bool IsUniqueViolation(DbUpdateException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.InnerException switch
        {
            SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint && sqlite.Message.Contains("UNIQUE", StringComparison.Ordinal),
            DbException db => db.SqlState == PostgresUniqueViolation,
            _ => false,
        };
    }
}
