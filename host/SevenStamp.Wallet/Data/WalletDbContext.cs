using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Wallet.Data;

/// <summary>
/// The wallet's store: Apple pass tokens, device registrations and update tags (<see cref="AppleWalletModel"/>), and
/// the nonces of Google Wallet's callbacks (<see cref="GoogleWalletModel"/>), and the events each wallet consumer
/// applied (<see cref="WalletAppliedEventModel"/>).
/// It shares the database with loyalty and the connector runtime but keeps its own migrations and history table
/// (<see cref="HistoryTable"/>); cards and vouchers it reads through loyalty's <c>ICardSnapshots</c>. Its tables were
/// created by loyalty's migrations before the wallet had a context of its own; its first migration takes them over
/// as they are. One model for SQLite and PostgreSQL; each provider has a subclass only so that each keeps its own
/// migrations.
/// </summary>
public abstract class WalletDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>The migrations history table of this context.</summary>
    public const string HistoryTable = "__wallet_migrations_history";

    public DbSet<ApplePassToken> ApplePassTokens => Set<ApplePassToken>();

    public DbSet<ApplePassRegistration> ApplePassRegistrations => Set<ApplePassRegistration>();

    public DbSet<ApplePassUpdate> ApplePassUpdates => Set<ApplePassUpdate>();

    public DbSet<GoogleCallbackNonce> GoogleCallbackNonces => Set<GoogleCallbackNonce>();

    public DbSet<WalletAppliedEvent> WalletAppliedEvents => Set<WalletAppliedEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        AppleWalletModel.Configure(modelBuilder);
        GoogleWalletModel.Configure(modelBuilder);
        WalletAppliedEventModel.Configure(modelBuilder);
        StoreConventions.UseSnakeCaseNames(modelBuilder);
    }
}
