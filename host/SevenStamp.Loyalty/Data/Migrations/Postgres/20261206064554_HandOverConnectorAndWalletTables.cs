using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class HandOverConnectorAndWalletTables : Migration
    {
        /// <inheritdoc />
        /// <remarks>
        /// Hand-edited: EF Core scaffolded DROP TABLE for the seven tables that left loyalty's model. They are not
        /// dropped: the connector runtime (connector_instances, connector_file_controls, connector_offsets,
        /// connector_seen_events; ConnectorDbContext) and the wallet (apple_pass_tokens, apple_pass_registrations,
        /// apple_pass_updates; WalletDbContext) own them now, in the same database, and their first migrations adopt
        /// them with every row. This migration only records the hand-over in loyalty's model.
        /// </remarks>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        /// <remarks>
        /// Hand-edited: nothing to create back. Up dropped nothing, so the tables are still there, and loyalty's
        /// previous model (which had them) finds them as it left them.
        /// </remarks>
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
