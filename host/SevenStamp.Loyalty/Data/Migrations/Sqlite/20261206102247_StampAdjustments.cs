using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StampAdjustments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "stamp_adjustments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    merchant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    card_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    stamps = table.Column<int>(type: "INTEGER", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    actor = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    vouchers_issued = table.Column<int>(type: "INTEGER", nullable: false),
                    at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stamp_adjustments", x => x.id);
                    table.ForeignKey(
                        name: "FK_stamp_adjustments_cards_card_id",
                        column: x => x.card_id,
                        principalTable: "cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_stamp_adjustments_card_id",
                table: "stamp_adjustments",
                column: "card_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "stamp_adjustments");
        }
    }
}
