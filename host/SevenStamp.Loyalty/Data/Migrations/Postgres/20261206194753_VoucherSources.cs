using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class VoucherSources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_vouchers_card_id_cycle",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_pool_codes_program_id_voucher_id",
                table: "pool_codes");

            migrationBuilder.AddColumn<Guid>(
                name: "campaign_id",
                table: "vouchers",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "vouchers",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "Goal");

            migrationBuilder.AddColumn<int>(
                name: "milestone_visit",
                table: "vouchers",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "redemption_path",
                table: "vouchers",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reminder_sent_at",
                table: "vouchers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "expiry_reminder_days",
                table: "programs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "inactivity_nudge_days",
                table: "programs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "milestones",
                table: "programs",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "pool",
                table: "pool_codes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "nudged_at",
                table: "cards",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "campaigns",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    program_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    reward = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    valid_days = table.Column<int>(type: "integer", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redemption_path = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    code_source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    code_prefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    segment = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    segment_value = table.Column<int>(type: "integer", nullable: true),
                    start_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cards_in_segment = table.Column<int>(type: "integer", nullable: false),
                    vouchers_issued = table.Column<int>(type: "integer", nullable: false),
                    pool_shortfall = table.Column<int>(type: "integer", nullable: false),
                    locked_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_campaigns", x => x.id);
                    table.ForeignKey(
                        name: "FK_campaigns_programs_program_id",
                        column: x => x.program_id,
                        principalTable: "programs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "campaign_cards",
                columns: table => new
                {
                    campaign_id = table.Column<Guid>(type: "uuid", nullable: false),
                    card_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_campaign_cards", x => new { x.campaign_id, x.card_id });
                    table.ForeignKey(
                        name: "FK_campaign_cards_campaigns_campaign_id",
                        column: x => x.campaign_id,
                        principalTable: "campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_campaign_id_card_id",
                table: "vouchers",
                columns: new[] { "campaign_id", "card_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_card_id_cycle",
                table: "vouchers",
                columns: new[] { "card_id", "cycle" },
                unique: true,
                filter: "kind = 'Goal'");

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_card_id_milestone_visit",
                table: "vouchers",
                columns: new[] { "card_id", "milestone_visit" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_state_reminder_sent_at_expires_at",
                table: "vouchers",
                columns: new[] { "state", "reminder_sent_at", "expires_at" });

            migrationBuilder.CreateIndex(
                name: "ix_pool_codes_program_id_pool_voucher_id",
                table: "pool_codes",
                columns: new[] { "program_id", "pool", "voucher_id" });

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_merchant_id",
                table: "campaigns",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_program_id",
                table: "campaigns",
                column: "program_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_state_start_at",
                table: "campaigns",
                columns: new[] { "state", "start_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "campaign_cards");

            migrationBuilder.DropTable(
                name: "campaigns");

            migrationBuilder.DropIndex(
                name: "ix_vouchers_campaign_id_card_id",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_vouchers_card_id_cycle",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_vouchers_card_id_milestone_visit",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_vouchers_state_reminder_sent_at_expires_at",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_pool_codes_program_id_pool_voucher_id",
                table: "pool_codes");

            migrationBuilder.DropColumn(
                name: "campaign_id",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "milestone_visit",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "redemption_path",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "reminder_sent_at",
                table: "vouchers");

            migrationBuilder.DropColumn(
                name: "expiry_reminder_days",
                table: "programs");

            migrationBuilder.DropColumn(
                name: "inactivity_nudge_days",
                table: "programs");

            migrationBuilder.DropColumn(
                name: "milestones",
                table: "programs");

            migrationBuilder.DropColumn(
                name: "pool",
                table: "pool_codes");

            migrationBuilder.DropColumn(
                name: "nudged_at",
                table: "cards");

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_card_id_cycle",
                table: "vouchers",
                columns: new[] { "card_id", "cycle" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_pool_codes_program_id_voucher_id",
                table: "pool_codes",
                columns: new[] { "program_id", "voucher_id" });
        }
    }
}
