using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Data;

/// <summary>The tables of the connector management API: API-created instances and the controls of file-defined ones.</summary>
internal static class ConnectorInstanceModel
{
    internal static void Configure(ModelBuilder b)
    {
        b.Entity<ConnectorInstance>(instance =>
        {
            instance.ToTable("connector_instances");
            instance.HasKey(i => i.Id);
            instance.Property(i => i.Id).HasMaxLength(LoyaltyDbContext.IdLength).ValueGeneratedNever();
            instance.Property(i => i.PluginId).HasMaxLength(LoyaltyDbContext.IdLength);
            instance.Property(i => i.MerchantId).HasMaxLength(LoyaltyDbContext.IdLength);
            instance.Property(i => i.Isolation).HasMaxLength(16).HasDefaultValue(ConnectorInstance.InProcess);
            instance.Property(i => i.SourceSystem).HasMaxLength(LoyaltyDbContext.IdLength);
            instance.Property(i => i.Revision).IsConcurrencyToken();
        });

        b.Entity<ConnectorFileControl>(control =>
        {
            control.ToTable("connector_file_controls");
            control.HasKey(c => c.ConnectorId);
            control.Property(c => c.ConnectorId).HasMaxLength(LoyaltyDbContext.IdLength).ValueGeneratedNever();
            control.Property(c => c.Revision).IsConcurrencyToken();
        });
    }
}
