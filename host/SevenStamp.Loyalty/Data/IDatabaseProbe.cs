using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Whether the database answers, for the readiness check. Every area's context is on the same database, so the
/// probe belongs to none of them and needs no provider of its own: the check asks this, not a context.
/// </summary>
public interface IDatabaseProbe
{
    Task<bool> CanConnectAsync(CancellationToken cancellationToken);
}

/// <summary>Asks the database through <typeparamref name="TContext"/>'s connection.</summary>
internal sealed class DatabaseProbe<TContext>(TContext db) : IDatabaseProbe
    where TContext : DbContext
{
    public Task<bool> CanConnectAsync(CancellationToken cancellationToken) => db.Database.CanConnectAsync(cancellationToken);
}
