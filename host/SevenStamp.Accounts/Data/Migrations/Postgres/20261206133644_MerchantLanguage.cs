using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Accounts.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MerchantLanguage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "merchants",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "language",
                table: "merchants");
        }
    }
}
