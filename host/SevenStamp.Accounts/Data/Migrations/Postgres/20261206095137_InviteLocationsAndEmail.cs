using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Accounts.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InviteLocationsAndEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "email",
                table: "account_invites",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "locations",
                table: "account_invites",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "email",
                table: "account_invites");

            migrationBuilder.DropColumn(
                name: "locations",
                table: "account_invites");
        }
    }
}
