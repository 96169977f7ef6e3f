using Microsoft.Data.Sqlite;
using Npgsql;
using SevenStamp.Loyalty;
using Testcontainers.PostgreSql;

namespace SevenStamp.Testing;

/// <summary>
/// A fresh, empty database for one test: a SQLite file in a temp folder, or a new database on the test
/// PostgreSQL server (the connection string in <c>SEVENSTAMP_TEST_POSTGRES</c>, otherwise a Testcontainers
/// server where Docker runs). Dropped afterwards.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "SEVENSTAMP_TEST_POSTGRES";

    private static readonly SemaphoreSlim PostgresGate = new(1, 1);
    private static string? _postgresServer;

    private readonly string? _directory;
    private readonly string? _serverConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(LoyaltyStoreProvider provider, string connectionString, string? directory, string? serverConnectionString, string? databaseName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
        _serverConnectionString = serverConnectionString;
        _databaseName = databaseName;
    }

    public LoyaltyStoreProvider Provider { get; }

    public string ConnectionString { get; }

    public LoyaltyStoreOptions Options => new() { Provider = Provider, ConnectionString = ConnectionString };

    public static async Task<TestDatabase> CreateAsync(LoyaltyStoreProvider provider)
    {
        if (provider == LoyaltyStoreProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("sevenstamp-db-").FullName;
            return new TestDatabase(provider, $"Data Source={Path.Combine(directory, "loyalty.db")}", directory, null, null);
        }

        return await CreateOnServerAsync(await GetPostgresServerAsync(), "sevenstamp_test_", maxPoolSize: 50);
    }

    /// <summary>
    /// A fresh database on the PostgreSQL server <paramref name="postgresServer"/> (a SQLite file when
    /// <paramref name="provider"/> is SQLite): for the benchmark harness, which is told its server rather than reading
    /// <c>SEVENSTAMP_TEST_POSTGRES</c>, and opens more connections than a test.
    /// </summary>
    public static Task<TestDatabase> CreateAsync(LoyaltyStoreProvider provider, string? postgresServer, string namePrefix, int maxPoolSize)
    {
        if (provider == LoyaltyStoreProvider.Sqlite)
        {
            return CreateAsync(provider);
        }

        ArgumentNullException.ThrowIfNull(postgresServer);
        return CreateOnServerAsync(postgresServer, namePrefix, maxPoolSize);
    }

    private static async Task<TestDatabase> CreateOnServerAsync(string server, string namePrefix, int maxPoolSize)
    {
        var name = $"{namePrefix}{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = maxPoolSize }.ToString();
        return new TestDatabase(LoyaltyStoreProvider.PostgreSql, connectionString, null, server, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is "42501" or "55006" && attempt < 10)
            {
                // A server process of another role (autovacuum) is still in the database; it leaves shortly.
                await Task.Delay(200 * attempt);
            }
            catch (PostgresException) when (attempt >= 10)
            {
                // Cleaning up is best effort: a leftover test database does not make a test wrong.
                return;
            }
        }
    }

    private static async Task<string> GetPostgresServerAsync()
    {
        await PostgresGate.WaitAsync();
        try
        {
            return _postgresServer ??= await StartPostgresAsync();
        }
        finally
        {
            PostgresGate.Release();
        }
    }

    private static async Task<string> StartPostgresAsync()
    {
        var configured = Environment.GetEnvironmentVariable(PostgresVariable);
        string server;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            server = configured;
        }
        else
        {
            try
            {
                var container = new PostgreSqlBuilder("postgres:17").Build();
                await container.StartAsync();
                server = container.GetConnectionString();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL tests need a server. Set {PostgresVariable}=\"Host=127.0.0.1;Port=5432;Database=sevenstamp;Username=sevenstamp;Password=sevenstamp\" "
                    + "(tests/scripts/start-postgres.sh installs and starts one and prints that string; the role needs CREATEDB), "
                    + $"or run a Docker engine so Testcontainers can start one. Testcontainers said: {ex.Message}",
                    ex);
            }
        }

        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"Cannot connect to PostgreSQL with {PostgresVariable} ({ex.Message}). Is it running? tests/scripts/start-postgres.sh starts one.", ex);
        }

        return server;
    }
}
