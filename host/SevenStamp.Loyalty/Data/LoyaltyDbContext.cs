using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// The loyalty store: programs, customers, cards and what their customers agreed to, the stamp ledger, vouchers, Redeem Codes, the inbox and the outbox.
/// One model for SQLite and PostgreSQL; each provider has a subclass of its own only so that each keeps its own
/// migrations (<see cref="SqliteLoyaltyDbContext"/>, <see cref="PostgresLoyaltyDbContext"/>). Loyalty code depends on
/// this class; other areas read through the interfaces in <c>SevenStamp.Loyalty.Queries</c>. Tables and columns are
/// snake_case (<see cref="StoreConventions"/>); enums are stored as their names. The connector runtime's and the
/// wallet's tables, which loyalty's first migrations created, belong to their own contexts since the migration
/// <c>HandOverConnectorAndWalletTables</c>.
/// </summary>
public abstract class LoyaltyDbContext(DbContextOptions options) : DbContext(options)
{
    public const int IdLength = 64;
    public const int ExternalIdLength = 200;
    public const int CodeLength = 64;
    public const int TextLength = 500;
    public const int ConsentTextLength = 2000;

    /// <summary>The longest language tag kept (<see cref="Customer.Language"/>).</summary>
    public const int LanguageLength = 16;

    public DbSet<LoyaltyProgram> Programs => Set<LoyaltyProgram>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerLink> CustomerLinks => Set<CustomerLink>();

    public DbSet<Card> Cards => Set<Card>();

    public DbSet<CardConsent> CardConsents => Set<CardConsent>();

    public DbSet<StampAward> StampAwards => Set<StampAward>();

    public DbSet<StampAdjustment> StampAdjustments => Set<StampAdjustment>();

    public DbSet<ProcessedEvent> ProcessedEvents => Set<ProcessedEvent>();

    public DbSet<UnmatchedSale> UnmatchedSales => Set<UnmatchedSale>();

    public DbSet<Voucher> Vouchers => Set<Voucher>();

    public DbSet<VoucherHistoryEntry> VoucherHistory => Set<VoucherHistoryEntry>();

    public DbSet<PoolCode> PoolCodes => Set<PoolCode>();

    public DbSet<SaleRefund> Refunds => Set<SaleRefund>();

    public DbSet<StaffMember> StaffMembers => Set<StaffMember>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<CampaignCard> CampaignCards => Set<CampaignCard>();

    /// <summary>
    /// An instant as this provider stores it, for raw SQL that EF does not convert (<c>SqlQuery</c>): SQLite keeps
    /// instants as sortable integers, PostgreSQL as <c>timestamptz</c>.
    /// </summary>
    public virtual object DbInstant(DateTimeOffset value) => value;

    /// <summary>
    /// Makes the sales named by <paramref name="saleKeys"/> (<see cref="SaleLockKey"/>) this transaction's until it
    /// ends, so that a sale and its refund, applied by two transactions at the same moment, cannot each miss the other:
    /// whichever comes second waits, then reads what the first wrote. SQLite needs nothing: its one writer at a
    /// time already orders them.
    /// </summary>
    public virtual Task LockSalesAsync(IReadOnlyCollection<string> saleKeys, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The key <see cref="LockSalesAsync"/> locks for one sale.</summary>
    public static string SaleLockKey(string merchantId, string sourceSystem, string externalSaleId) =>
        string.Concat("sale\u001f", merchantId, "\u001f", sourceSystem, "\u001f", externalSaleId);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<LoyaltyProgram>(program =>
        {
            program.ToTable("programs");
            program.HasKey(p => p.Id);
            program.Property(p => p.Id).ValueGeneratedNever();
            program.Property(p => p.MerchantId).HasMaxLength(IdLength);
            program.Property(p => p.Name).HasMaxLength(TextLength);
            program.Property(p => p.Reward).HasMaxLength(TextLength);
            program.Property(p => p.Currency).HasMaxLength(3);
            program.Property(p => p.CodePrefix).HasMaxLength(16);
            program.Property(p => p.AmountPerStamp).HasPrecision(18, 4);
            program.Property(p => p.MinimumSpend).HasPrecision(18, 4);
            Enum(program.Property(p => p.EarningRule));
            Enum(program.Property(p => p.VoucherExpiry));
            Enum(program.Property(p => p.RedemptionPath));
            Enum(program.Property(p => p.CodeSource));
            program.Property(p => p.Milestones).HasConversion(new VisitMilestonesConverter(), VisitMilestonesConverter.Comparer);
            program.HasIndex(p => p.MerchantId).IsUnique();
        });

        modelBuilder.Entity<Customer>(customer =>
        {
            customer.ToTable("customers");
            customer.HasKey(c => c.Id);
            customer.Property(c => c.Id).ValueGeneratedNever();
            customer.Property(c => c.MerchantId).HasMaxLength(IdLength);
            customer.Property(c => c.Language).HasMaxLength(LanguageLength);
            customer.HasIndex(c => c.MerchantId);
        });

        modelBuilder.Entity<CustomerLink>(link =>
        {
            link.ToTable("customer_links");
            link.HasKey(l => l.Id);
            link.Property(l => l.MerchantId).HasMaxLength(IdLength);
            link.Property(l => l.Kind).HasMaxLength(16);
            link.Property(l => l.Value).HasMaxLength(ExternalIdLength + IdLength + 1);
            link.HasIndex(l => new { l.MerchantId, l.Kind, l.Value }).IsUnique();
            link.HasIndex(l => l.CustomerId);
            link.HasOne<Customer>().WithMany().HasForeignKey(l => l.CustomerId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Card>(card =>
        {
            card.ToTable("cards");
            card.HasKey(c => c.Id);
            card.Property(c => c.Id).ValueGeneratedNever();
            card.Property(c => c.MerchantId).HasMaxLength(IdLength);
            card.HasIndex(c => new { c.ProgramId, c.CustomerId }).IsUnique();
            card.HasIndex(c => c.MerchantId);
            card.HasOne<LoyaltyProgram>().WithMany().HasForeignKey(c => c.ProgramId).OnDelete(DeleteBehavior.Restrict);
            card.HasOne<Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CardConsent>(consent =>
        {
            consent.ToTable("card_consents");
            consent.HasKey(c => c.Id);
            consent.Property(c => c.Id).ValueGeneratedNever();
            consent.Property(c => c.MerchantId).HasMaxLength(IdLength);
            consent.Property(c => c.ConsentVersion).HasMaxLength(32);
            consent.Property(c => c.ConsentText).HasMaxLength(ConsentTextLength);
            consent.HasIndex(c => c.CardId).IsUnique();
            consent.HasOne<Card>().WithMany().HasForeignKey(c => c.CardId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<StampAward>(award =>
        {
            award.ToTable("stamp_awards");
            award.HasKey(a => a.Id);
            award.Property(a => a.MerchantId).HasMaxLength(IdLength);
            award.Property(a => a.ConnectorId).HasMaxLength(IdLength);
            award.Property(a => a.ExternalSaleId).HasMaxLength(ExternalIdLength);
            award.Property(a => a.SaleTotal).HasPrecision(18, 4);
            award.Property(a => a.AmountRefunded).HasPrecision(18, 4);
            award.Property(a => a.SourceSystem).HasMaxLength(IdLength);
            award.Property(a => a.LocationId).HasMaxLength(ExternalIdLength);
            award.HasIndex(a => new { a.MerchantId, a.SourceSystem, a.ExternalSaleId }).IsUnique();
            award.HasIndex(a => a.CardId);
            award.HasOne<Card>().WithMany().HasForeignKey(a => a.CardId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<StampAdjustment>(adjustment =>
        {
            adjustment.ToTable("stamp_adjustments");
            adjustment.HasKey(a => a.Id);
            adjustment.Property(a => a.Id).ValueGeneratedNever();
            adjustment.Property(a => a.MerchantId).HasMaxLength(IdLength);
            adjustment.Property(a => a.Reason).HasMaxLength(TextLength);
            adjustment.Property(a => a.Actor).HasMaxLength(IdLength);
            adjustment.HasIndex(a => a.CardId);
            adjustment.HasOne<Card>().WithMany().HasForeignKey(a => a.CardId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ProcessedEvent>(processed =>
        {
            processed.ToTable("processed_events");
            processed.HasKey(p => p.Id);
            processed.Property(p => p.MerchantId).HasMaxLength(IdLength);
            processed.Property(p => p.ConnectorId).HasMaxLength(IdLength);
            processed.Property(p => p.Kind).HasMaxLength(16);
            processed.Property(p => p.ExternalId).HasMaxLength(ExternalIdLength);
            processed.Property(p => p.SourceSystem).HasMaxLength(IdLength);
            processed.HasIndex(p => new { p.MerchantId, p.SourceSystem, p.Kind, p.ExternalId }).IsUnique();
        });

        modelBuilder.Entity<UnmatchedSale>(unmatched =>
        {
            unmatched.ToTable("unmatched_sales");
            unmatched.HasKey(u => u.Id);
            unmatched.Property(u => u.MerchantId).HasMaxLength(IdLength);
            unmatched.Property(u => u.ConnectorId).HasMaxLength(IdLength);
            unmatched.Property(u => u.ExternalSaleId).HasMaxLength(ExternalIdLength);
            unmatched.Property(u => u.Currency).HasMaxLength(3);
            unmatched.Property(u => u.Total).HasPrecision(18, 4);
            Enum(unmatched.Property(u => u.Reason));
            unmatched.Property(u => u.SourceSystem).HasMaxLength(IdLength);
            unmatched.HasIndex(u => new { u.MerchantId, u.SourceSystem, u.ExternalSaleId }).IsUnique();
        });

        modelBuilder.Entity<Voucher>(voucher =>
        {
            voucher.ToTable("vouchers");
            voucher.HasKey(v => v.Id);
            voucher.Property(v => v.Id).ValueGeneratedNever();
            voucher.Property(v => v.MerchantId).HasMaxLength(IdLength);
            voucher.Property(v => v.Code).HasMaxLength(CodeLength);
            voucher.Property(v => v.NormalizedCode).HasMaxLength(CodeLength);
            voucher.Property(v => v.Reward).HasMaxLength(TextLength);
            voucher.Property(v => v.RedeemedByConnectorId).HasMaxLength(IdLength);
            voucher.Property(v => v.RedeemedBySourceSystem).HasMaxLength(IdLength);
            voucher.Property(v => v.RedeemedBySaleId).HasMaxLength(ExternalIdLength);
            voucher.Property(v => v.RedeemedByStaffId).HasMaxLength(IdLength);
            Enum(voucher.Property(v => v.State));
            Enum(voucher.Property(v => v.RedeemedBy));
            Enum(voucher.Property(v => v.Kind)).HasDefaultValue(VoucherKind.Goal).HasSentinel(VoucherKind.Goal);
            Enum(voucher.Property(v => v.RedemptionPath));

            // One voucher per card and cycle, per card and milestone, per card and campaign; NULLs are distinct in
            // both databases, so each index binds only the vouchers of its kind.
            voucher.HasIndex(v => new { v.CardId, v.Cycle }).IsUnique().HasFilter("kind = 'Goal'");
            voucher.HasIndex(v => new { v.CardId, v.MilestoneVisit }).IsUnique();
            voucher.HasIndex(v => new { v.CampaignId, v.CardId }).IsUnique();
            voucher.HasIndex(v => new { v.State, v.ReminderSentAt, v.ExpiresAt });
            voucher.HasIndex(v => new { v.MerchantId, v.NormalizedCode }).IsUnique();
            voucher.HasIndex(v => new { v.State, v.ExpiresAt });
            voucher.HasOne<Card>().WithMany().HasForeignKey(v => v.CardId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<VoucherHistoryEntry>(entry =>
        {
            entry.ToTable("voucher_history");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.ConnectorId).HasMaxLength(IdLength);
            entry.Property(e => e.SaleId).HasMaxLength(ExternalIdLength);
            entry.Property(e => e.StaffId).HasMaxLength(IdLength);
            entry.Property(e => e.Actor).HasMaxLength(IdLength);
            entry.Property(e => e.Note).HasMaxLength(TextLength);
            Enum(entry.Property(e => e.State));
            Enum(entry.Property(e => e.Method));
            entry.HasIndex(e => e.VoucherId);
            entry.HasOne<Voucher>().WithMany().HasForeignKey(e => e.VoucherId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PoolCode>(code =>
        {
            code.ToTable("pool_codes");
            code.HasKey(c => c.Id);
            code.Property(c => c.MerchantId).HasMaxLength(IdLength);
            code.Property(c => c.Code).HasMaxLength(CodeLength);
            code.Property(c => c.NormalizedCode).HasMaxLength(CodeLength);
            code.HasIndex(c => new { c.MerchantId, c.NormalizedCode }).IsUnique();
            code.Property(c => c.Pool).HasMaxLength(IdLength).HasDefaultValue(PoolCode.GoalPool);
            code.HasIndex(c => new { c.ProgramId, c.Pool, c.VoucherId });
            code.HasOne<LoyaltyProgram>().WithMany().HasForeignKey(c => c.ProgramId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SaleRefund>(refund =>
        {
            refund.ToTable("sale_refunds");
            refund.HasKey(r => r.Id);
            refund.Property(r => r.MerchantId).HasMaxLength(IdLength);
            refund.Property(r => r.ConnectorId).HasMaxLength(IdLength);
            refund.Property(r => r.ExternalRefundId).HasMaxLength(ExternalIdLength);
            refund.Property(r => r.ExternalSaleId).HasMaxLength(ExternalIdLength);
            refund.Property(r => r.Amount).HasPrecision(18, 4);
            refund.Property(r => r.SourceSystem).HasMaxLength(IdLength);
            refund.HasIndex(r => new { r.MerchantId, r.SourceSystem, r.ExternalRefundId }).IsUnique();
            refund.HasIndex(r => new { r.MerchantId, r.SourceSystem, r.ExternalSaleId });
        });

        modelBuilder.Entity<StaffMember>(staff =>
        {
            staff.ToTable("staff_members");
            staff.HasKey(s => s.Id);
            staff.Property(s => s.MerchantId).HasMaxLength(IdLength);
            staff.Property(s => s.StaffId).HasMaxLength(IdLength);
            staff.Property(s => s.TokenHash).HasMaxLength(64);
            staff.HasIndex(s => s.TokenHash).IsUnique();
            staff.HasIndex(s => new { s.MerchantId, s.StaffId });
        });

        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox");
            message.HasKey(m => m.Id);
            message.Property(m => m.MessageType).HasMaxLength(IdLength);
            message.Property(m => m.LockedBy).HasMaxLength(IdLength);
            message.HasIndex(m => new { m.SentAt, m.Id });
        });

        modelBuilder.Entity<Campaign>(campaign =>
        {
            campaign.ToTable("campaigns");
            campaign.HasKey(c => c.Id);
            campaign.Property(c => c.Id).ValueGeneratedNever();
            campaign.Property(c => c.MerchantId).HasMaxLength(IdLength);
            campaign.Property(c => c.Name).HasMaxLength(TextLength);
            campaign.Property(c => c.Reward).HasMaxLength(TextLength);
            campaign.Property(c => c.CodePrefix).HasMaxLength(16);
            campaign.Property(c => c.CreatedBy).HasMaxLength(IdLength);
            campaign.Property(c => c.LockedBy).HasMaxLength(IdLength);
            Enum(campaign.Property(c => c.RedemptionPath));
            Enum(campaign.Property(c => c.CodeSource));
            Enum(campaign.Property(c => c.Segment));
            Enum(campaign.Property(c => c.State));
            campaign.HasIndex(c => c.MerchantId);
            campaign.HasIndex(c => new { c.State, c.StartAt });
            campaign.HasOne<LoyaltyProgram>().WithMany().HasForeignKey(c => c.ProgramId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CampaignCard>(listed =>
        {
            listed.ToTable("campaign_cards");
            listed.HasKey(c => new { c.CampaignId, c.CardId });
            listed.HasOne<Campaign>().WithMany().HasForeignKey(c => c.CampaignId).OnDelete(DeleteBehavior.Cascade);
        });

        StoreConventions.UseSnakeCaseNames(modelBuilder);
    }

    private static PropertyBuilder<T> Enum<T>(PropertyBuilder<T> property) => property.HasConversion<string>().HasMaxLength(32);
}
