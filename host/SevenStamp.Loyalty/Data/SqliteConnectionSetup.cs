using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Per-connection SQLite settings. <c>busy_timeout</c> lets SQLite itself wait for the write lock in short steps
/// (1 ms upwards); without it a busy database is retried by the ADO.NET provider in 150 ms sleeps, which turns
/// every collision between two writers (consumers, webhook dedupe, outbox relay) into a 150 ms stall.
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    public static readonly SqliteConnectionSetup Instance = new();

    private const string Pragmas = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
