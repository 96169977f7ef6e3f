using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConnectorIsolation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "isolation",
                table: "connector_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "in-process");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "isolation",
                table: "connector_instances");
        }
    }
}
