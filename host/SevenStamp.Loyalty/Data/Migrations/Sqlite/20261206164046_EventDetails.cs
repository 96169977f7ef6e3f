using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "customers",
                type: "TEXT",
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
