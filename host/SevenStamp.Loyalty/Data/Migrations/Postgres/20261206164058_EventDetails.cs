using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EventDetails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "location_id",
                table: "stamp_awards",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "customers",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "location_id",
                table: "stamp_awards");

            migrationBuilder.DropColumn(
                name: "language",
                table: "customers");
        }
    }
}
