using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Wallet.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class GoogleCallbackNonces : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "google_callback_nonces",
                columns: table => new
                {
                    nonce = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_google_callback_nonces", x => x.nonce);
                });

            migrationBuilder.CreateIndex(
                name: "ix_google_callback_nonces_received_at",
                table: "google_callback_nonces",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "google_callback_nonces");
        }
    }
}
