using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Puts an area's context on the one database of <c>SevenStamp:Database</c>. Each area (loyalty, the connector
/// runtime, the wallet) owns its tables and its migrations, kept apart by a migrations history table of its own;
/// all share these connection settings, the SQLite connection setup and the SQLite write turns (one write lock per
/// file, whichever context writes).
/// </summary>
public static class StoreContexts
{
    /// <summary>Loyalty's migrations history table: EF Core's default name, which every installation already has.</summary>
    public const string LoyaltyHistoryTable = "__EFMigrationsHistory";

    /// <summary>
    /// Registers an area's context (<typeparamref name="TSqlite"/> or <typeparamref name="TPostgres"/> as
    /// <typeparamref name="TContext"/>, pooled) and migrates it at start, after the loyalty store. Loyalty's
    /// migrations created the tables the other areas took over, on every database, so they must run first: call
    /// <see cref="LoyaltyServiceCollectionExtensions.AddLoyaltyStore"/> before.
    /// </summary>
    public static IServiceCollection AddStoreContext<TContext, TSqlite, TPostgres>(this IServiceCollection services, LoyaltyStoreOptions options, string historyTable)
        where TContext : DbContext
        where TSqlite : TContext
        where TPostgres : TContext
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ImplementationType == typeof(LoyaltyStoreMigrator)))
        {
            throw new InvalidOperationException(
                $"{typeof(TContext).Name} is registered before the loyalty store: call AddLoyaltyStore first, so that Loyalty's migrations, which create the tables {typeof(TContext).Name} owns, run before its own.");
        }

        AddContext<TContext, TSqlite, TPostgres>(services, options, historyTable);
        services.AddHostedService<StoreMigrator<TContext>>();
        return services;
    }

    /// <summary>SQLite with the store's connection settings and <paramref name="historyTable"/> for the context's migrations.</summary>
    public static DbContextOptionsBuilder UseSqliteStore(this DbContextOptionsBuilder builder, string connectionString, string historyTable)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var sqlite = new SqliteConnectionStringBuilder(connectionString)
        {
            // Wait for the write lock rather than failing with SQLITE_BUSY.
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        return builder.UseSqlite(sqlite, o => o.MigrationsHistoryTable(historyTable)).AddInterceptors(SqliteConnectionSetup.Instance);
    }

    /// <summary>PostgreSQL with <paramref name="historyTable"/> for the context's migrations.</summary>
    public static DbContextOptionsBuilder UsePostgresStore(this DbContextOptionsBuilder builder, string connectionString, string historyTable)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseNpgsql(connectionString, o => o.MigrationsHistoryTable(historyTable));
    }

    /// <summary>The context, the shared write turns and the database probe (the first context registered answers it).</summary>
    internal static void AddContext<TContext, TSqlite, TPostgres>(IServiceCollection services, LoyaltyStoreOptions options, string historyTable)
        where TContext : DbContext
        where TSqlite : TContext
        where TPostgres : TContext
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException("SevenStamp:Database:ConnectionString is empty; set it to e.g. 'Data Source=sevenstamp.db' (SQLite) or 'Host=…;Database=…;Username=…;Password=…' (PostgreSQL).");
        }

        switch (options.Provider)
        {
            case LoyaltyStoreProvider.Sqlite:
                services.AddDbContextPool<TContext, TSqlite>(o => o.UseSqliteStore(options.ConnectionString, historyTable));
                break;
            case LoyaltyStoreProvider.PostgreSql:
                services.AddDbContextPool<TContext, TPostgres>(o => o.UsePostgresStore(options.ConnectionString, historyTable));
                break;
            default:
                throw new InvalidOperationException($"SevenStamp:Database:Provider '{options.Provider}' is not supported; use Sqlite or PostgreSql.");
        }

        services.TryAddSingleton(new WriteTurns(options.Provider));
        services.TryAddScoped<IDatabaseProbe, DatabaseProbe<TContext>>();
    }
}
