using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
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
                type: "character varying(16)",
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
