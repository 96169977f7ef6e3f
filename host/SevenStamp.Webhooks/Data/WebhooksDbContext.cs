using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Webhooks.Data;

/// <summary>
/// The outbound webhooks' store: subscriptions and deliveries. It shares the database with the other areas but keeps
/// its own migrations and history table (<see cref="HistoryTable"/>); cards and vouchers it reads through loyalty's
/// <c>ICardEventFacts</c>. One model for SQLite and PostgreSQL; each provider has a subclass only so that each keeps
/// its own migrations.
/// </summary>
public abstract class WebhooksDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>The migrations history table of this context.</summary>
    public const string HistoryTable = "__webhooks_migrations_history";

    public const int MerchantIdLength = 64;
    public const int UrlLength = 2048;
    public const int EventsLength = 512;
    public const int DescriptionLength = 500;
    public const int ReasonLength = 500;
    public const int SecretLength = 1024;
    public const int EventTypeLength = 64;
    public const int MessageIdLength = 64;
    public const int ErrorLength = 500;
    public const int LockLength = 128;

    public DbSet<WebhookSubscription> Subscriptions => Set<WebhookSubscription>();

    public DbSet<WebhookDelivery> Deliveries => Set<WebhookDelivery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<WebhookSubscription>(e =>
        {
            e.ToTable("webhook_subscriptions");
            e.HasKey(s => s.Id);
            e.Property(s => s.MerchantId).HasMaxLength(MerchantIdLength);
            e.Property(s => s.Url).HasMaxLength(UrlLength);
            e.Property(s => s.Events).HasMaxLength(EventsLength);
            e.Property(s => s.Description).HasMaxLength(DescriptionLength);
            e.Property(s => s.DisabledReason).HasMaxLength(ReasonLength);
            e.Property(s => s.Secret).HasMaxLength(SecretLength);
            e.Property(s => s.PreviousSecret).HasMaxLength(SecretLength);
            e.HasIndex(s => new { s.MerchantId, s.Enabled });
        });
        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.HasKey(d => d.Id);
            e.Property(d => d.MerchantId).HasMaxLength(MerchantIdLength);
            e.Property(d => d.MessageId).HasMaxLength(MessageIdLength);
            e.Property(d => d.EventType).HasMaxLength(EventTypeLength);
            e.Property(d => d.LastError).HasMaxLength(ErrorLength);
            e.Property(d => d.LockedBy).HasMaxLength(LockLength);
            e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
            // One delivery per event and subscription, however often the bus brings the event.
            e.HasIndex(d => new { d.SubscriptionId, d.Sequence, d.EventType }).IsUnique();
            e.HasIndex(d => d.MessageId).IsUnique();
            // What is due, and each card's order.
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.HasIndex(d => new { d.SubscriptionId, d.CardId, d.Status, d.Sequence });
            e.HasIndex(d => new { d.SubscriptionId, d.CreatedAt });
        });
        StoreConventions.UseSnakeCaseNames(modelBuilder);
    }
}

/// <summary>The outbound webhooks' store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteWebhooksDbContext(DbContextOptions<SqliteWebhooksDbContext> options) : WebhooksDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoreConventions.StoreInstantsAsIntegers(configurationBuilder);
}

/// <summary>The outbound webhooks' store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresWebhooksDbContext(DbContextOptions<PostgresWebhooksDbContext> options) : WebhooksDbContext(options);
