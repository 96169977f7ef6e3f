using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Wallet.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WalletAppliedEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "wallet_applied_events",
                columns: table => new
                {
                    consumer = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    applied_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wallet_applied_events", x => new { x.consumer, x.message_id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_wallet_applied_events_applied_at",
                table: "wallet_applied_events",
                column: "applied_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "wallet_applied_events");
        }
    }
}
