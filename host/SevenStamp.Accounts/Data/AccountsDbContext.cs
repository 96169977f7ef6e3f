using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Accounts.Data;

/// <summary>
/// The accounts' store: people (ASP.NET Core Identity's user tables), merchants, API keys and invites. It shares the
/// database with the other areas and keeps its own migrations and history table (<see cref="HistoryTable"/>).
/// </summary>
public abstract class AccountsDbContext(DbContextOptions options) : IdentityUserContext<AccountUser, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>The migrations history table of this context.</summary>
    public const string HistoryTable = "__accounts_migrations_history";

    public const int IdLength = 64;
    public const int NameLength = 200;

    /// <summary>The longest name of a key or person: it is also what a voucher's history names as who redeemed or voided it.</summary>
    public const int ActorNameLength = 64;

    public DbSet<Merchant> Merchants => Set<Merchant>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Invite> Invites => Set<Invite>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    /// <summary>
    /// The keys that protect sign-in cookies (and Identity's tokens), shared by every replica through the database so
    /// a session made on one is read on another.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.Entity<AccountUser>(user =>
        {
            user.ToTable("account_users");
            user.Property(u => u.MerchantId).HasMaxLength(IdLength);
            user.Property(u => u.Role).HasConversion<string>().HasMaxLength(16);
            user.Property(u => u.Locations).HasMaxLength(1000);
            user.HasIndex(u => u.MerchantId);
        });
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("account_user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("account_user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("account_user_tokens");

        builder.Entity<Merchant>(merchant =>
        {
            merchant.ToTable("merchants");
            merchant.HasKey(m => m.Id);
            merchant.Property(m => m.Id).HasMaxLength(IdLength);
            merchant.Property(m => m.Name).HasMaxLength(NameLength);
            merchant.Property(m => m.Language).HasMaxLength(16);
        });

        builder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).ValueGeneratedNever();
            key.Property(k => k.MerchantId).HasMaxLength(IdLength);
            key.Property(k => k.Name).HasMaxLength(NameLength);
            key.Property(k => k.KeyId).HasMaxLength(32);
            key.Property(k => k.SecretHash).HasMaxLength(64);
            key.Property(k => k.Scopes).HasMaxLength(64);
            key.HasIndex(k => k.KeyId).IsUnique();
            key.HasIndex(k => k.MerchantId);
        });

        builder.Entity<Invite>(invite =>
        {
            invite.ToTable("account_invites");
            invite.HasKey(i => i.Id);
            invite.Property(i => i.Id).ValueGeneratedNever();
            invite.Property(i => i.MerchantId).HasMaxLength(IdLength);
            invite.Property(i => i.Role).HasConversion<string>().HasMaxLength(16);
            invite.Property(i => i.TokenHash).HasMaxLength(64);
            invite.Property(i => i.InvitedBy).HasMaxLength(NameLength);
            invite.Property(i => i.Locations).HasMaxLength(1000);
            invite.Property(i => i.Email).HasMaxLength(256);
            invite.HasIndex(i => i.TokenHash).IsUnique();
        });

        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        builder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("audit_log");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.MerchantId).HasMaxLength(IdLength);
            entry.Property(e => e.ActorKind).HasMaxLength(16);
            entry.Property(e => e.Actor).HasMaxLength(NameLength);
            entry.Property(e => e.Kind).HasMaxLength(NameLength);
            entry.Property(e => e.Subject).HasMaxLength(NameLength);
            entry.Property(e => e.Before).HasMaxLength(Audit.AuditLog.SummaryLength);
            entry.Property(e => e.After).HasMaxLength(Audit.AuditLog.SummaryLength);
            entry.HasIndex(e => new { e.MerchantId, e.At });
        });

        StoreConventions.UseSnakeCaseNames(builder);
    }
}

/// <summary>The accounts' store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteAccountsDbContext(DbContextOptions<SqliteAccountsDbContext> options) : AccountsDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoreConventions.StoreInstantsAsIntegers(configurationBuilder);
}

/// <summary>The accounts' store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresAccountsDbContext(DbContextOptions<PostgresAccountsDbContext> options) : AccountsDbContext(options);
