using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Wallet.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        /// <remarks>
        /// Hand-edited: the SQL EF Core generates for this model, with IF NOT EXISTS on every table and index.
        /// Loyalty's InitialCreate migration created these tables before the wallet had a context of its own, and
        /// runs first on every database, new ones too: there this adopts the tables as they are, with their rows.
        /// On a database without them it creates them.
        /// </remarks>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "apple_pass_registrations" (
                    "id" INTEGER NOT NULL CONSTRAINT "PK_apple_pass_registrations" PRIMARY KEY AUTOINCREMENT,
                    "device_library_id" TEXT NOT NULL,
                    "pass_type_id" TEXT NOT NULL,
                    "serial_number" TEXT NOT NULL,
                    "push_token" TEXT NOT NULL,
                    "created_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "apple_pass_tokens" (
                    "id" INTEGER NOT NULL CONSTRAINT "PK_apple_pass_tokens" PRIMARY KEY AUTOINCREMENT,
                    "pass_type_id" TEXT NOT NULL,
                    "serial_number" TEXT NOT NULL,
                    "token_hash" TEXT NOT NULL,
                    "created_at" INTEGER NOT NULL
                );
                """);

            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS "apple_pass_updates" (
                    "pass_type_id" TEXT NOT NULL,
                    "serial_number" TEXT NOT NULL,
                    "tag" INTEGER NOT NULL,
                    "updated_at" INTEGER NOT NULL,
                    CONSTRAINT "PK_apple_pass_updates" PRIMARY KEY ("pass_type_id", "serial_number")
                );
                """);

            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX IF NOT EXISTS "ix_apple_pass_registrations_device_library_id_pass_type_id_serial_number" ON "apple_pass_registrations" ("device_library_id", "pass_type_id", "serial_number");
                """);

            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "ix_apple_pass_registrations_pass_type_id_serial_number" ON "apple_pass_registrations" ("pass_type_id", "serial_number");
                """);

            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "ix_apple_pass_registrations_push_token" ON "apple_pass_registrations" ("push_token");
                """);

            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "ix_apple_pass_tokens_pass_type_id_serial_number" ON "apple_pass_tokens" ("pass_type_id", "serial_number");
                """);

            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX IF NOT EXISTS "ix_apple_pass_tokens_token_hash" ON "apple_pass_tokens" ("token_hash");
                """);

            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS "ix_apple_pass_updates_tag" ON "apple_pass_updates" ("tag");
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
