using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Brings one area's schema up to date at start, before anything that reads it starts. Hosted services start in
/// registration order, and <see cref="StoreContexts.AddStoreContext"/> refuses an area registered before the loyalty
/// store, so the order is fixed: loyalty, then the connector runtime, then the wallet.
/// </summary>
internal class StoreMigrator<TContext>(IServiceScopeFactory scopes) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers run beside the one writer (a setting of the file: the first area's call sets it).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
