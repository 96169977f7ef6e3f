using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SourceSystem : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_unmatched_sales_merchant_id_connector_id_external_sale_id",
                table: "unmatched_sales");

            migrationBuilder.DropIndex(
                name: "ix_stamp_awards_merchant_id_connector_id_external_sale_id",
                table: "stamp_awards");

            migrationBuilder.DropIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_refund_id",
                table: "sale_refunds");

            migrationBuilder.DropIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_sale_id",
                table: "sale_refunds");

            migrationBuilder.DropIndex(
                name: "ix_processed_events_merchant_id_connector_id_kind_external_id",
                table: "processed_events");

            migrationBuilder.AddColumn<string>(
                name: "redeemed_by_source_system",
                table: "vouchers",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "unmatched_sales",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "stamp_awards",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "sale_refunds",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "processed_events",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "connector_instances",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            // Rows written before sales named their point-of-sale system were keyed on their connector: it stands in.
            migrationBuilder.Sql("UPDATE unmatched_sales SET source_system = connector_id;");
            migrationBuilder.Sql("UPDATE stamp_awards SET source_system = connector_id;");
            migrationBuilder.Sql("UPDATE sale_refunds SET source_system = connector_id;");
            migrationBuilder.Sql("UPDATE processed_events SET source_system = connector_id;");
            migrationBuilder.Sql("UPDATE vouchers SET redeemed_by_source_system = redeemed_by_connector_id WHERE redeemed_by_connector_id IS NOT NULL;");

            migrationBuilder.CreateIndex(
                name: "ix_unmatched_sales_merchant_id_source_system_external_sale_id",
                table: "unmatched_sales",
                columns: new[] { "merchant_id", "source_system", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stamp_awards_merchant_id_source_system_external_sale_id",
                table: "stamp_awards",
                columns: new[] { "merchant_id", "source_system", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_source_system_external_refund_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "source_system", "external_refund_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_source_system_external_sale_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "source_system", "external_sale_id" });

            migrationBuilder.CreateIndex(
                name: "ix_processed_events_merchant_id_source_system_kind_external_id",
                table: "processed_events",
                columns: new[] { "merchant_id", "source_system", "kind", "external_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_unmatched_sales_merchant_id_source_system_external_sale_id",
                table: "unmatched_sales");

            migrationBuilder.DropIndex(
                name: "ix_stamp_awards_merchant_id_source_system_external_sale_id",
                table: "stamp_awards");

            migrationBuilder.DropIndex(
                name: "ix_sale_refunds_merchant_id_source_system_external_refund_id",
                table: "sale_refunds");

            migrationBuilder.DropIndex(
                name: "ix_sale_refunds_merchant_id_source_system_external_sale_id",
                table: "sale_refunds");

            migrationBuilder.DropIndex(
                name: "ix_processed_events_merchant_id_source_system_kind_external_id",
                table: "processed_events");

            migrationBuilder.DropColumn(
                name: "redeemed_by_source_system",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "unmatched_sales");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "stamp_awards");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "sale_refunds");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "processed_events");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "connector_instances");

            migrationBuilder.CreateIndex(
                name: "ix_unmatched_sales_merchant_id_connector_id_external_sale_id",
                table: "unmatched_sales",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stamp_awards_merchant_id_connector_id_external_sale_id",
                table: "stamp_awards",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_refund_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "connector_id", "external_refund_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_sale_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" });

            migrationBuilder.CreateIndex(
                name: "ix_processed_events_merchant_id_connector_id_kind_external_id",
                table: "processed_events",
                columns: new[] { "merchant_id", "connector_id", "kind", "external_id" },
                unique: true);
        }
    }
}
