using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JoinConsents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "birth_day",
                table: "customers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "birth_month",
                table: "customers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "card_consents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    merchant_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    card_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    email_given = table.Column<bool>(type: "INTEGER", nullable: false),
                    phone_given = table.Column<bool>(type: "INTEGER", nullable: false),
                    birthday_given = table.Column<bool>(type: "INTEGER", nullable: false),
                    consent_version = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    consent_text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    given_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_card_consents", x => x.id);
                    table.ForeignKey(
                        name: "FK_card_consents_cards_card_id",
                        column: x => x.card_id,
                        principalTable: "cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_card_consents_card_id",
                table: "card_consents",
                column: "card_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "card_consents");

            migrationBuilder.DropColumn(
                name: "birth_day",
                table: "customers");

            migrationBuilder.DropColumn(
                name: "birth_month",
                table: "customers");
        }
    }
}
