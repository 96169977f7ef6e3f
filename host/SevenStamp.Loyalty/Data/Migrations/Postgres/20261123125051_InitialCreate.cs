using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SevenStamp.Loyalty.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "apple_pass_registrations",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    device_library_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    pass_type_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    serial_number = table.Column<Guid>(type: "uuid", nullable: false),
                    push_token = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_apple_pass_registrations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "apple_pass_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    pass_type_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    serial_number = table.Column<Guid>(type: "uuid", nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_apple_pass_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "apple_pass_updates",
                columns: table => new
                {
                    pass_type_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    serial_number = table.Column<Guid>(type: "uuid", nullable: false),
                    tag = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_apple_pass_updates", x => new { x.pass_type_id, x.serial_number });
                });

            migrationBuilder.CreateTable(
                name: "connector_file_controls",
                columns: table => new
                {
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    paused = table.Column<bool>(type: "boolean", nullable: false),
                    restart_generation = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    revision = table.Column<Guid>(type: "uuid", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_file_controls", x => x.connector_id);
                });

            migrationBuilder.CreateTable(
                name: "connector_instances",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    plugin_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    settings = table.Column<string>(type: "text", nullable: false),
                    paused = table.Column<bool>(type: "boolean", nullable: false),
                    restart_generation = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    revision = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_instances", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "connector_offsets",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    value = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_offsets", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "connector_seen_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    event_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connector_seen_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "customers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    message_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    locked_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "processed_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    external_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    processed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    deliveries = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_processed_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "programs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    stamp_goal = table.Column<int>(type: "integer", nullable: false),
                    earning_rule = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    stamps_per_visit = table.Column<int>(type: "integer", nullable: false),
                    amount_per_stamp = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    qualifying_items = table.Column<List<string>>(type: "text[]", nullable: false),
                    minimum_spend = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    reward = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    voucher_expiry = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    voucher_valid_days = table.Column<int>(type: "integer", nullable: true),
                    voucher_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redemption_path = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    code_source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    code_prefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    code_length = table.Column<int>(type: "integer", nullable: false),
                    auto_enroll = table.Column<bool>(type: "boolean", nullable: false),
                    reinstate_voucher_on_refund = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_programs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sale_refunds",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    external_refund_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    external_sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    is_full_refund = table.Column<bool>(type: "boolean", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sale_refunds", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "staff_members",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    staff_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_staff_members", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "unmatched_sales",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    external_sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    total = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_unmatched_sales", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "customer_links",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    value = table.Column<string>(type: "character varying(265)", maxLength: 265, nullable: false),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_customer_links", x => x.id);
                    table.ForeignKey(
                        name: "FK_customer_links_customers_customer_id",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "cards",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    program_id = table.Column<Guid>(type: "uuid", nullable: false),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    total_stamps = table.Column<int>(type: "integer", nullable: false),
                    cycles_completed = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cards", x => x.id);
                    table.ForeignKey(
                        name: "FK_cards_customers_customer_id",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_cards_programs_program_id",
                        column: x => x.program_id,
                        principalTable: "programs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "pool_codes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    program_id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    normalized_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    voucher_id = table.Column<Guid>(type: "uuid", nullable: true),
                    imported_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pool_codes", x => x.id);
                    table.ForeignKey(
                        name: "FK_pool_codes_programs_program_id",
                        column: x => x.program_id,
                        principalTable: "programs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "stamp_awards",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    external_sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    card_id = table.Column<Guid>(type: "uuid", nullable: false),
                    stamps = table.Column<int>(type: "integer", nullable: false),
                    sale_total = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    stamps_revoked = table.Column<int>(type: "integer", nullable: false),
                    amount_refunded = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    awarded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stamp_awards", x => x.id);
                    table.ForeignKey(
                        name: "FK_stamp_awards_cards_card_id",
                        column: x => x.card_id,
                        principalTable: "cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "vouchers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    merchant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    program_id = table.Column<Guid>(type: "uuid", nullable: false),
                    card_id = table.Column<Guid>(type: "uuid", nullable: false),
                    cycle = table.Column<int>(type: "integer", nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    normalized_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    reward = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redeemed_by = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    redeemed_by_connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    redeemed_by_sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    redeemed_by_staff_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_vouchers", x => x.id);
                    table.ForeignKey(
                        name: "FK_vouchers_cards_card_id",
                        column: x => x.card_id,
                        principalTable: "cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "voucher_history",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    voucher_id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    method = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    connector_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    sale_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    staff_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_voucher_history", x => x.id);
                    table.ForeignKey(
                        name: "FK_voucher_history_vouchers_voucher_id",
                        column: x => x.voucher_id,
                        principalTable: "vouchers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_registrations_device_library_id_pass_type_id_serial_number",
                table: "apple_pass_registrations",
                columns: new[] { "device_library_id", "pass_type_id", "serial_number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_registrations_pass_type_id_serial_number",
                table: "apple_pass_registrations",
                columns: new[] { "pass_type_id", "serial_number" });

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_registrations_push_token",
                table: "apple_pass_registrations",
                column: "push_token");

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_tokens_pass_type_id_serial_number",
                table: "apple_pass_tokens",
                columns: new[] { "pass_type_id", "serial_number" });

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_tokens_token_hash",
                table: "apple_pass_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_apple_pass_updates_tag",
                table: "apple_pass_updates",
                column: "tag");

            migrationBuilder.CreateIndex(
                name: "ix_cards_customer_id",
                table: "cards",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_cards_merchant_id",
                table: "cards",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ix_cards_program_id_customer_id",
                table: "cards",
                columns: new[] { "program_id", "customer_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_connector_offsets_connector_id_key",
                table: "connector_offsets",
                columns: new[] { "connector_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_connector_seen_events_connector_id_event_id",
                table: "connector_seen_events",
                columns: new[] { "connector_id", "event_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_connector_seen_events_seen_at",
                table: "connector_seen_events",
                column: "seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_customer_links_customer_id",
                table: "customer_links",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_customer_links_merchant_id_kind_value",
                table: "customer_links",
                columns: new[] { "merchant_id", "kind", "value" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_customers_merchant_id",
                table: "customers",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_sent_at_id",
                table: "outbox",
                columns: new[] { "sent_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_pool_codes_merchant_id_normalized_code",
                table: "pool_codes",
                columns: new[] { "merchant_id", "normalized_code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_pool_codes_program_id_voucher_id",
                table: "pool_codes",
                columns: new[] { "program_id", "voucher_id" });

            migrationBuilder.CreateIndex(
                name: "ix_processed_events_merchant_id_connector_id_kind_external_id",
                table: "processed_events",
                columns: new[] { "merchant_id", "connector_id", "kind", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_programs_merchant_id",
                table: "programs",
                column: "merchant_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_refund_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "connector_id", "external_refund_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sale_refunds_merchant_id_connector_id_external_sale_id",
                table: "sale_refunds",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" });

            migrationBuilder.CreateIndex(
                name: "ix_staff_members_merchant_id_staff_id",
                table: "staff_members",
                columns: new[] { "merchant_id", "staff_id" });

            migrationBuilder.CreateIndex(
                name: "ix_staff_members_token_hash",
                table: "staff_members",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stamp_awards_card_id",
                table: "stamp_awards",
                column: "card_id");

            migrationBuilder.CreateIndex(
                name: "ix_stamp_awards_merchant_id_connector_id_external_sale_id",
                table: "stamp_awards",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_unmatched_sales_merchant_id_connector_id_external_sale_id",
                table: "unmatched_sales",
                columns: new[] { "merchant_id", "connector_id", "external_sale_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_voucher_history_voucher_id",
                table: "voucher_history",
                column: "voucher_id");

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_card_id_cycle",
                table: "vouchers",
                columns: new[] { "card_id", "cycle" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_merchant_id_normalized_code",
                table: "vouchers",
                columns: new[] { "merchant_id", "normalized_code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_state_expires_at",
                table: "vouchers",
                columns: new[] { "state", "expires_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "apple_pass_registrations");

            migrationBuilder.DropTable(
                name: "apple_pass_tokens");

            migrationBuilder.DropTable(
                name: "apple_pass_updates");

            migrationBuilder.DropTable(
                name: "connector_file_controls");

            migrationBuilder.DropTable(
                name: "connector_instances");

            migrationBuilder.DropTable(
                name: "connector_offsets");

            migrationBuilder.DropTable(
                name: "connector_seen_events");

            migrationBuilder.DropTable(
                name: "customer_links");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "pool_codes");

            migrationBuilder.DropTable(
                name: "processed_events");

            migrationBuilder.DropTable(
                name: "sale_refunds");

            migrationBuilder.DropTable(
                name: "staff_members");

            migrationBuilder.DropTable(
                name: "stamp_awards");

            migrationBuilder.DropTable(
                name: "unmatched_sales");

            migrationBuilder.DropTable(
                name: "voucher_history");

            migrationBuilder.DropTable(
                name: "vouchers");

            migrationBuilder.DropTable(
                name: "cards");

            migrationBuilder.DropTable(
                name: "customers");

            migrationBuilder.DropTable(
                name: "programs");
        }
    }
}
