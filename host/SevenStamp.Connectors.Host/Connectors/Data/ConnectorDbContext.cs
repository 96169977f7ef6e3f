using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>
/// The connector runtime's store: the instances created through the management API, the controls of file-defined
/// ones, and every connector's offsets and seen event ids. It shares the database with loyalty and the wallet but
/// keeps its own migrations and history table (<see cref="HistoryTable"/>). Its tables were created by loyalty's
/// migrations before the runtime had a context of its own; its first migration takes them over as they are. One
/// model for SQLite and PostgreSQL; each provider has a subclass only so that each keeps its own migrations.
/// </summary>
public abstract class ConnectorDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>The migrations history table of this context.</summary>
    public const string HistoryTable = "__connector_migrations_history";

    public const int IdLength = 64;
    public const int TextLength = 500;
    public const int ExternalIdLength = 200;

    public DbSet<ConnectorInstance> ConnectorInstances => Set<ConnectorInstance>();

    public DbSet<ConnectorFileControl> ConnectorFileControls => Set<ConnectorFileControl>();

    public DbSet<ConnectorOffset> ConnectorOffsets => Set<ConnectorOffset>();

    public DbSet<SeenEvent> SeenEvents => Set<SeenEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<ConnectorInstance>(instance =>
        {
            instance.ToTable("connector_instances");
            instance.HasKey(i => i.Id);
            instance.Property(i => i.Id).HasMaxLength(IdLength).ValueGeneratedNever();
            instance.Property(i => i.PluginId).HasMaxLength(IdLength);
            instance.Property(i => i.MerchantId).HasMaxLength(IdLength);
            instance.Property(i => i.Isolation).HasMaxLength(16).HasDefaultValue(ConnectorInstance.InProcess);
            instance.Property(i => i.SourceSystem).HasMaxLength(IdLength);
            instance.Property(i => i.Revision).IsConcurrencyToken();
        });

        modelBuilder.Entity<ConnectorFileControl>(control =>
        {
            control.ToTable("connector_file_controls");
            control.HasKey(c => c.ConnectorId);
            control.Property(c => c.ConnectorId).HasMaxLength(IdLength).ValueGeneratedNever();
            control.Property(c => c.Revision).IsConcurrencyToken();
        });

        modelBuilder.Entity<ConnectorOffset>(offset =>
        {
            offset.ToTable("connector_offsets");
            offset.HasKey(o => o.Id);
            offset.Property(o => o.ConnectorId).HasMaxLength(IdLength);
            offset.Property(o => o.Key).HasMaxLength(IdLength);
            offset.Property(o => o.Value).HasMaxLength(TextLength);
            offset.HasIndex(o => new { o.ConnectorId, o.Key }).IsUnique();
        });

        modelBuilder.Entity<SeenEvent>(seen =>
        {
            seen.ToTable("connector_seen_events");
            seen.HasKey(e => e.Id);
            seen.Property(e => e.ConnectorId).HasMaxLength(IdLength);
            seen.Property(e => e.EventId).HasMaxLength(ExternalIdLength);
            seen.HasIndex(e => new { e.ConnectorId, e.EventId }).IsUnique();
            seen.HasIndex(e => e.SeenAt);
        });

        StoreConventions.UseSnakeCaseNames(modelBuilder);
    }
}
