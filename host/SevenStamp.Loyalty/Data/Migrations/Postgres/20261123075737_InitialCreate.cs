using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "cards",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    customer_key = table.Column<string>(type: "character varying(216)", maxLength: 216, nullable: false),
                    stamps = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cards", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "stamp_awards",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    external_sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    card_id = table.Column<Guid>(type: "uuid", nullable: false),
                    stamps = table.Column<int>(type: "integer", nullable: false),
                    balance_after = table.Column<int>(type: "integer", nullable: false),
                    awarded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stamp_awards", x => x.id);
                    table.ForeignKey(
                        name: "FK_stamp_awards_cards_card_id",
                        column: x => x.card_id,
                        principalTable: "cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ux_cards_merchant_customer",
                table: "cards",
                columns: new[] { "merchant_id", "customer_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stamp_awards_card",
                table: "stamp_awards",
                column: "card_id");

            migrationBuilder.CreateIndex(
                name: "ux_stamp_awards_sale",
                table: "stamp_awards",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "stamp_awards");

            migrationBuilder.DropTable(
                name: "cards");
        }
    }
}
