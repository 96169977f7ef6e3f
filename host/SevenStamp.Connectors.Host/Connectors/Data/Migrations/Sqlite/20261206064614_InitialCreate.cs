using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Connectors.Host.Connectors.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        /// <remarks>
        /// Hand-edited: the SQL EF Core generates for this model, with IF NOT EXISTS on every table and index.
        /// Loyalty's migrations (InitialCreate, ConnectorIsolation, SourceSystem) created these tables before the
        /// connector runtime had a context of its own, and run first on every database, new ones too: there this
        /// adopts the tables as they are, with their rows. On a database without them it creates them.
        /// </remarks>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "connector_file_controls" (
                    "connector_id" TEXT NOT NULL CONSTRAINT "PK_connector_file_controls" PRIMARY KEY,
                    "paused" INTEGER NOT NULL,
                    "restart_generation" INTEGER NOT NULL,
                    "version" INTEGER NOT NULL,
                    "revision" TEXT NOT NULL,
                    "updated_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "connector_instances" (
                    "id" TEXT NOT NULL CONSTRAINT "PK_connector_instances" PRIMARY KEY,
                    "plugin_id" TEXT NOT NULL,
                    "merchant_id" TEXT NOT NULL,
                    "settings" TEXT NOT NULL,
                    "paused" INTEGER NOT NULL,
                    "isolation" TEXT NOT NULL DEFAULT 'in-process',
                    "source_system" TEXT NULL,
                    "restart_generation" INTEGER NOT NULL,
                    "version" INTEGER NOT NULL,
                    "revision" TEXT NOT NULL,
                    "created_at" INTEGER NOT NULL,
                    "updated_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "connector_offsets" (
                    "id" INTEGER NOT NULL CONSTRAINT "PK_connector_offsets" PRIMARY KEY AUTOINCREMENT,
                    "connector_id" TEXT NOT NULL,
                    "key" TEXT NOT NULL,
                    "value" TEXT NOT NULL,
                    "updated_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "connector_seen_events" (
                    "id" INTEGER NOT NULL CONSTRAINT "PK_connector_seen_events" PRIMARY KEY AUTOINCREMENT,
                    "connector_id" TEXT NOT NULL,
                    "event_id" TEXT NOT NULL,
                    "seen_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX IF NOT EXISTS "ix_connector_offsets_connector_id_key" ON "connector_offsets" ("connector_id", "key");
                """);

            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX IF NOT EXISTS "ix_connector_seen_events_connector_id_event_id" ON "connector_seen_events" ("connector_id", "event_id");
                """);

            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "ix_connector_seen_events_seen_at" ON "connector_seen_events" ("seen_at");
                """);
        }

        /// <inheritdoc />
        /// <remarks>
        /// Hand-edited: the tables are kept. Loyalty's history created them, and the previous version, which reads
        /// them through loyalty's context, needs them with their rows.
        /// </remarks>
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
