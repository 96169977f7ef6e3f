using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// The loyalty store: cards and the stamp ledger. One model for SQLite and PostgreSQL; each provider has a
/// subclass of its own only so that each keeps its own migrations (<see cref="SqliteLoyaltyDbContext"/>,
/// <see cref="PostgresLoyaltyDbContext"/>). Code depends on this class.
/// </summary>
public abstract class LoyaltyDbContext(DbContextOptions options) : DbContext(options)
{
    public const int IdLength = 64;
    public const int ExternalIdLength = 200;

    public DbSet<Card> Cards => Set<Card>();

    public DbSet<StampAward> StampAwards => Set<StampAward>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<Card>(card =>
        {
            card.ToTable("cards");
            card.HasKey(c => c.Id);
            card.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
            card.Property(c => c.MerchantId).HasColumnName("merchant_id").HasMaxLength(IdLength);
            card.Property(c => c.CustomerKey).HasColumnName("customer_key").HasMaxLength(ExternalIdLength + 16);
            card.Property(c => c.Stamps).HasColumnName("stamps");
            card.Property(c => c.CreatedAt).HasColumnName("created_at");
            card.Property(c => c.UpdatedAt).HasColumnName("updated_at");
            card.HasIndex(c => new { c.MerchantId, c.CustomerKey }).IsUnique().HasDatabaseName("ux_cards_merchant_customer");
        });

        modelBuilder.Entity<StampAward>(award =>
        {
            award.ToTable("stamp_awards");
            award.HasKey(a => a.Id);
            award.Property(a => a.Id).HasColumnName("id");
            award.Property(a => a.MerchantId).HasColumnName("merchant_id").HasMaxLength(IdLength);
            award.Property(a => a.ConnectorId).HasColumnName("connector_id").HasMaxLength(IdLength);
            award.Property(a => a.ExternalSaleId).HasColumnName("external_sale_id").HasMaxLength(ExternalIdLength);
            award.Property(a => a.CardId).HasColumnName("card_id");
            award.Property(a => a.Stamps).HasColumnName("stamps");
            award.Property(a => a.BalanceAfter).HasColumnName("balance_after");
            award.Property(a => a.AwardedAt).HasColumnName("awarded_at");
            award.HasIndex(a => new { a.MerchantId, a.ConnectorId, a.ExternalSaleId }).IsUnique().HasDatabaseName("ux_stamp_awards_sale");
            award.HasIndex(a => a.CardId).HasDatabaseName("ix_stamp_awards_card");
            award.HasOne<Card>().WithMany().HasForeignKey(a => a.CardId).OnDelete(DeleteBehavior.Restrict);
        });
    }
}
