using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Messaging;

/// <summary>The database's faults that trying again later can cure, for the consumers' retry policies.</summary>
public static class DatabaseFaults
{
    /// <summary>
    /// A lock or serialization conflict, a busy SQLite file, a dropped connection, a database restarting, a timeout:
    /// the database's trouble, not a bad message's.
    /// </summary>
    public static bool AreTransient(Exception exception) =>
        exception is DbUpdateException or DbException or InvalidOperationException or TimeoutException;
}
