using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;
using SevenStamp.Wallet.Data;
using SevenStamp.Webhooks.Data;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// Each area owns its tables: loyalty, the connector runtime and the wallet each have a context, migrations and a
/// history table of their own in the one database. An installation whose schema was made by loyalty's migrations
/// alone (every one until the connector runtime and the wallet took their tables over) starts the new host and
/// keeps every row, each read through the context that owns it now; a new database gets every table once.
/// </summary>
public sealed class StoreUpgradeTests
{
    /// <summary>Loyalty's last migration from before the areas had contexts of their own.</summary>
    private const string LastSharedMigration = "SourceSystem";

    /// <summary>Tables added since the shared schema: empty on an upgraded database.</summary>
    private static readonly string[] NewerTables = ["stamp_adjustments", "card_consents", "google_callback_nonces", "campaigns", "campaign_cards", "wallet_applied_events"];

    private const string Merchant = "bakery-7";
    private const string PassType = "pass.com.example.bakery";

    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = new(2030, 1, 31, 18, 0, 0, TimeSpan.Zero);

    public static TheoryData<LoyaltyStoreProvider> Providers => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task HostStart_OnADatabaseOfTheSharedSchema_KeepsEveryRowAndReadsItThroughItsOwner(LoyaltyStoreProvider provider)
    {
        // Arrange: the schema as loyalty's migrations made it before the split, with a row in every table.
        await using var database = await TestDatabase.CreateAsync(provider);
        var ids = new Ids(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var before = new ServiceCollection().AddLogging().AddLoyaltyStore(database.Options).BuildServiceProvider())
        {
            await using var scope = before.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            await db.GetService<IMigrator>().MigrateAsync(LastSharedMigration);
            Assert.Equal(LastSharedMigration, (await db.Database.GetAppliedMigrationsAsync()).Last().Split('_', 2)[1]);
            await FillEveryTableAsync(db, provider, ids);
        }

        // Act: the new host starts on it (its migrators run: loyalty, then the connector runtime, then the wallet).
        await using (var host = await RunningHost.StartAsync("""{ "connectors": [] }""", new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory" }, provider, sharedDatabase: database))
        {
            // Assert: no migration pending and no model change left, each context with its own history table, no table
            // dropped or added.
            await using var scope = host.Services.CreateAsyncScope();
            var loyalty = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            var connectors = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
            var wallet = scope.ServiceProvider.GetRequiredService<WalletDbContext>();
            await AssertUpToDateAsync(loyalty, connectors, wallet, scope.ServiceProvider.GetRequiredService<AccountsDbContext>(), scope.ServiceProvider.GetRequiredService<WebhooksDbContext>());

            // Every loyalty row, through loyalty's context.
            var program = await loyalty.Programs.AsNoTracking().SingleAsync(p => p.MerchantId == Merchant);
            Assert.Equal((ids.Program, "Bread card", 8, EarningRuleKind.PerAmount, (decimal?)5.0m, RedeemCodeSource.Pool, At), (program.Id, program.Name, program.StampGoal, program.EarningRule, program.AmountPerStamp, program.CodeSource, program.CreatedAt));
            Assert.Equal(["sourdough", "rye"], program.QualifyingItems);
            Assert.Equal(At, (await loyalty.Customers.AsNoTracking().SingleAsync(c => c.Id == ids.Customer)).CreatedAt);
            Assert.Equal(ids.Customer, (await loyalty.CustomerLinks.AsNoTracking().SingleAsync(l => l.MerchantId == Merchant)).CustomerId);
            var card = await loyalty.Cards.AsNoTracking().SingleAsync(c => c.Id == ids.Card);
            Assert.Equal((ids.Program, ids.Customer, 11, 1, Later), (card.ProgramId, card.CustomerId, card.TotalStamps, card.CyclesCompleted, card.UpdatedAt));
            var award = await loyalty.StampAwards.AsNoTracking().SingleAsync(a => a.MerchantId == Merchant);
            Assert.Equal(("S-1001", "square", ids.Card, 11, 55.00m, 5.00m), (award.ExternalSaleId, award.SourceSystem, award.CardId, award.Stamps, award.SaleTotal, award.AmountRefunded));
            Assert.Equal(2, (await loyalty.ProcessedEvents.AsNoTracking().SingleAsync(p => p.MerchantId == Merchant)).Deliveries);
            Assert.Equal(UnmatchedReason.NoCustomer, (await loyalty.UnmatchedSales.AsNoTracking().SingleAsync(u => u.MerchantId == Merchant)).Reason);
            var voucher = await loyalty.Vouchers.AsNoTracking().SingleAsync(v => v.Id == ids.Voucher);
            Assert.Equal(("BRD-7Q2K9X", VoucherState.Redeemed, (RedemptionMethod?)RedemptionMethod.RedeemCode, "S-1003", (DateTimeOffset?)Later), (voucher.Code, voucher.State, voucher.RedeemedBy, voucher.RedeemedBySaleId, voucher.ExpiresAt));
            Assert.Equal([VoucherState.Issued, VoucherState.Redeemed], await loyalty.VoucherHistory.AsNoTracking().Where(h => h.VoucherId == ids.Voucher).OrderBy(h => h.Id).Select(h => h.State).ToListAsync());
            Assert.Equal(ids.Voucher, (await loyalty.PoolCodes.AsNoTracking().SingleAsync(c => c.MerchantId == Merchant)).VoucherId);
            var refund = await loyalty.Refunds.AsNoTracking().SingleAsync(r => r.MerchantId == Merchant);
            Assert.Equal(("R-1", "S-1001", 5.00m), (refund.ExternalRefundId, refund.ExternalSaleId, refund.Amount));
            Assert.Equal("anna", (await loyalty.StaffMembers.AsNoTracking().SingleAsync(s => s.MerchantId == Merchant)).StaffId);
            var sent = await loyalty.Outbox.AsNoTracking().SingleAsync(m => m.MessageType == "StampsAwarded");
            Assert.Equal(((DateTimeOffset?)At, 1), (sent.SentAt, sent.Attempts));

            // The connector runtime's rows, through its own context.
            var instance = await connectors.ConnectorInstances.AsNoTracking().SingleAsync(i => i.Id == "bakery-api");
            Assert.Equal(("generic-webhook", Merchant, true, "process", "square", 3L, ids.Revision), (instance.PluginId, instance.MerchantId, instance.Paused, instance.Isolation, instance.SourceSystem, instance.Version, instance.Revision));
            var control = await connectors.ConnectorFileControls.AsNoTracking().SingleAsync(c => c.ConnectorId == "bakery-file");
            Assert.Equal((true, 2, 4L, At), (control.Paused, control.RestartGeneration, control.Version, control.UpdatedAt));
            var offset = await connectors.ConnectorOffsets.AsNoTracking().SingleAsync(o => o.ConnectorId == "bakery-csv");
            Assert.Equal(("till-1", "R-1042", At), (offset.Key, offset.Value, offset.UpdatedAt));
            Assert.Equal(At, (await connectors.SeenEvents.AsNoTracking().SingleAsync(e => e.ConnectorId == "bakery-api" && e.EventId == "evt-9001")).SeenAt);

            // The wallet's rows, through its own context.
            Assert.Equal(ids.Card, (await wallet.ApplePassTokens.AsNoTracking().SingleAsync(t => t.PassTypeId == PassType)).SerialNumber);
            var registration = await wallet.ApplePassRegistrations.AsNoTracking().SingleAsync(r => r.PassTypeId == PassType);
            Assert.Equal(("device-1", ids.Card, "f00dfeed0123"), (registration.DeviceLibraryId, registration.SerialNumber, registration.PushToken));
            var update = await wallet.ApplePassUpdates.AsNoTracking().SingleAsync(u => u.PassTypeId == PassType);
            Assert.Equal((ids.Card, 1796000000000L, At), (update.SerialNumber, update.Tag, update.UpdatedAt));

            // Nothing was dropped or copied: one row each, as written (programs also holds the host's configured one; tables
            // added since are empty).
            var tables = ModelTables(loyalty, connectors, wallet).Where(t => t != "programs").ToList();
            Assert.Equal(tables.Select(t => (t, t == "voucher_history" ? 2 : NewerTables.Contains(t) ? 0 : 1)), await RowCountsAsync(loyalty, tables));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StoreMigrators_OnANewDatabase_CreateEveryContextsTablesOnceWithAHistoryTableEach(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new ServiceCollection().AddLogging()
            .AddLoyaltyStore(database.Options).AddConnectorStore(database.Options).AddWalletStore(database.Options)
            .BuildServiceProvider();

        // Act: the migrators, in the order the host starts them.
        foreach (var migrator in services.GetServices<IHostedService>())
        {
            await migrator.StartAsync(CancellationToken.None);
        }

        // Assert
        await using var scope = services.CreateAsyncScope();
        var loyalty = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var connectors = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
        var wallet = scope.ServiceProvider.GetRequiredService<WalletDbContext>();
        await AssertUpToDateAsync(loyalty, connectors, wallet);

        // Every entity's columns are there: each set reads (empty) through its owner.
        Assert.Empty(await loyalty.Programs.AsNoTracking().ToListAsync());
        Assert.Empty(await connectors.ConnectorInstances.AsNoTracking().ToListAsync());
        Assert.Empty(await connectors.ConnectorFileControls.AsNoTracking().ToListAsync());
        Assert.Empty(await connectors.ConnectorOffsets.AsNoTracking().ToListAsync());
        Assert.Empty(await connectors.SeenEvents.AsNoTracking().ToListAsync());
        Assert.Empty(await wallet.ApplePassTokens.AsNoTracking().ToListAsync());
        Assert.Empty(await wallet.ApplePassRegistrations.AsNoTracking().ToListAsync());
        Assert.Empty(await wallet.ApplePassUpdates.AsNoTracking().ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task FirstMigrations_OnADatabaseWithoutTheirTables_CreateThem(LoyaltyStoreProvider provider)
    {
        // Arrange: an empty database, no loyalty migration run (the tables loyalty's history creates are absent).
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var connectors = Open<ConnectorDbContext, SqliteConnectorDbContext, PostgresConnectorDbContext>(database, ConnectorDbContext.HistoryTable);
        await using var wallet = Open<WalletDbContext, SqliteWalletDbContext, PostgresWalletDbContext>(database, WalletDbContext.HistoryTable);

        // Act
        await connectors.Database.MigrateAsync();
        await wallet.Database.MigrateAsync();

        // Assert: every table and column of both models is there (a row of each entity saves).
        Assert.False(connectors.Database.HasPendingModelChanges());
        Assert.False(wallet.Database.HasPendingModelChanges());
        connectors.ConnectorOffsets.Add(new ConnectorOffset { ConnectorId = "till", Key = "k", Value = "v", UpdatedAt = At });
        connectors.SeenEvents.Add(new SeenEvent { ConnectorId = "till", EventId = "e", SeenAt = At });
        connectors.ConnectorInstances.Add(new ConnectorInstance { Id = "till", PluginId = "generic-webhook", MerchantId = Merchant, Settings = "{}", Revision = Guid.NewGuid(), CreatedAt = At, UpdatedAt = At });
        connectors.ConnectorFileControls.Add(new ConnectorFileControl { ConnectorId = "file", Revision = Guid.NewGuid(), UpdatedAt = At });
        wallet.ApplePassTokens.Add(new ApplePassToken { PassTypeId = PassType, SerialNumber = Guid.NewGuid(), TokenHash = new string('a', 64), CreatedAt = At });
        wallet.ApplePassRegistrations.Add(new ApplePassRegistration { DeviceLibraryId = "device-1", PassTypeId = PassType, SerialNumber = Guid.NewGuid(), PushToken = "f00d", CreatedAt = At });
        wallet.ApplePassUpdates.Add(new ApplePassUpdate { PassTypeId = PassType, SerialNumber = Guid.NewGuid(), Tag = 1, UpdatedAt = At });
        Assert.Equal(4, await connectors.SaveChangesAsync());
        Assert.Equal(3, await wallet.SaveChangesAsync());
    }

    [Fact]
    public void AddConnectorStore_BeforeTheLoyaltyStore_IsRefused()
    {
        // Arrange
        var options = new LoyaltyStoreOptions { ConnectionString = "Data Source=unused.db" };

        // Act
        var connectors = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddConnectorStore(options));
        var wallet = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddWalletStore(options));

        // Assert
        Assert.Contains("AddLoyaltyStore first", connectors.Message, StringComparison.Ordinal);
        Assert.Contains("AddLoyaltyStore first", wallet.Message, StringComparison.Ordinal);
    }

    /// <summary>A context of its own (no host, no loyalty store) on <paramref name="database"/>.</summary>
    private static TContext Open<TContext, TSqlite, TPostgres>(TestDatabase database, string historyTable)
        where TContext : DbContext
        where TSqlite : TContext
        where TPostgres : TContext
    {
        var options = database.Provider == LoyaltyStoreProvider.Sqlite
            ? new DbContextOptionsBuilder<TSqlite>().UseSqliteStore(database.ConnectionString, historyTable).Options
            : new DbContextOptionsBuilder<TPostgres>().UsePostgresStore(database.ConnectionString, historyTable).Options;
        return (TContext)Activator.CreateInstance(database.Provider == LoyaltyStoreProvider.Sqlite ? typeof(TSqlite) : typeof(TPostgres), options)!;
    }

    /// <summary>
    /// Every migration of each context applied and recorded in that context's own history table, no model change
    /// without a migration, and the database holding exactly the three models' tables and the three history tables.
    /// </summary>
    private static async Task AssertUpToDateAsync(LoyaltyDbContext loyalty, ConnectorDbContext connectors, WalletDbContext wallet, AccountsDbContext? accounts = null, WebhooksDbContext? webhooks = null)
    {
        var contexts = new List<DbContext> { loyalty, connectors, wallet };
        if (accounts is not null)
        {
            contexts.Add(accounts);
        }

        if (webhooks is not null)
        {
            contexts.Add(webhooks);
        }

        foreach (var db in contexts)
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            Assert.False(db.Database.HasPendingModelChanges(), $"{db.GetType().Name} has model changes no migration holds.");
        }

        Assert.Equal(StoreContexts.LoyaltyHistoryTable, HistoryTableOf(loyalty));
        Assert.Equal(ConnectorDbContext.HistoryTable, HistoryTableOf(connectors));
        Assert.Equal(WalletDbContext.HistoryTable, HistoryTableOf(wallet));
        List<string> history = [StoreContexts.LoyaltyHistoryTable, ConnectorDbContext.HistoryTable, WalletDbContext.HistoryTable];
        if (accounts is not null)
        {
            Assert.Equal(AccountsDbContext.HistoryTable, HistoryTableOf(accounts));
            history.Add(AccountsDbContext.HistoryTable);
        }

        if (webhooks is not null)
        {
            Assert.Equal(WebhooksDbContext.HistoryTable, HistoryTableOf(webhooks));
            history.Add(WebhooksDbContext.HistoryTable);
        }

        Assert.Equal([.. ModelTables([.. contexts]).Concat(history).Order(StringComparer.Ordinal)], await TablesAsync(loyalty));
    }

    private static string HistoryTableOf(DbContext db) =>
        RelationalOptionsExtension.Extract(db.GetService<IDbContextOptions>()).MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName;

    /// <summary>The tables of the three models, sorted: each belongs to exactly one.</summary>
    private static List<string> ModelTables(params DbContext[] contexts)
    {
        var tables = contexts.SelectMany(db => db.Model.GetEntityTypes().Select(e => e.GetTableName()!)).ToList();
        Assert.Equal(tables.Count, tables.Distinct(StringComparer.Ordinal).Count());
        return [.. tables.Order(StringComparer.Ordinal)];
    }

    /// <summary>The database's own tables (not the provider's bookkeeping), sorted.</summary>
    private static async Task<List<string>> TablesAsync(LoyaltyDbContext db)
    {
        var sql = db.Database.IsSqlite()
            ? "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '__EFMigrationsLock'"
            : "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";
        var tables = await db.Database.SqlQueryRaw<string>(sql).ToListAsync();
        return [.. tables.Order(StringComparer.Ordinal)];
    }

    private static async Task<List<(string Table, int Rows)>> RowCountsAsync(LoyaltyDbContext db, IEnumerable<string> tables)
    {
        var counts = new List<(string, int)>();
        foreach (var table in tables)
        {
#pragma warning disable EF1002 // The table names come from the models, not from input.
            counts.Add((table, await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS \"Value\" FROM \"{table}\"").SingleAsync()));
#pragma warning restore EF1002
        }

        return counts;
    }

    /// <summary>
    /// One realistic row (two for the voucher history) in each of the twenty tables the shared schema has, written
    /// with plain SQL as the previous version left them. Parameters go through the loyalty context's type mappings,
    /// so instants, ids and amounts are stored as each provider stores them.
    /// </summary>
    private static async Task FillEveryTableAsync(LoyaltyDbContext db, LoyaltyStoreProvider provider, Ids ids)
    {
        object qualifying = provider == LoyaltyStoreProvider.Sqlite ? """["sourdough","rye"]""" : new[] { "sourdough", "rye" };
        var database = db.Database;
        string merchant = Merchant, passType = PassType;
        DateTimeOffset at = At, later = Later;
        bool yes = true, no = false;
        decimal perStamp = 5.0m, spend = 2.5m, total = 55.00m, refunded = 5.00m, unmatched = 3.50m;
        var payload = """{"cardId":"c","stamps":11}""";
        var settings = """{"signingSecret":"${env:BAKERY_SECRET}"}""";

        await database.ExecuteSqlAsync($"""
            INSERT INTO programs (id, merchant_id, name, reward, currency, code_prefix, code_length, amount_per_stamp, minimum_spend, earning_rule,
                stamps_per_visit, stamp_goal, qualifying_items, voucher_expiry, voucher_valid_days, voucher_expires_at, redemption_path, code_source,
                auto_enroll, reinstate_voucher_on_refund, created_at, updated_at)
            VALUES ({ids.Program}, {merchant}, 'Bread card', 'A free loaf', 'EUR', 'BRD-', 6, {perStamp}, {spend}, 'PerAmount',
                1, 8, {qualifying}, 'DaysAfterIssue', 30, {later}, 'RedeemCode', 'Pool', {yes}, {yes}, {at}, {at})
            """);
        await database.ExecuteSqlAsync($"INSERT INTO customers (id, merchant_id, created_at) VALUES ({ids.Customer}, {merchant}, {at})");
        await database.ExecuteSqlAsync($"INSERT INTO customer_links (merchant_id, kind, value, customer_id, created_at) VALUES ({merchant}, 'pos', 'bakery-api:cust-42', {ids.Customer}, {at})");
        await database.ExecuteSqlAsync($"""
            INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at)
            VALUES ({ids.Card}, {ids.Program}, {ids.Customer}, {merchant}, 11, 1, {at}, {later})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO stamp_awards (merchant_id, connector_id, source_system, external_sale_id, card_id, stamps, stamps_revoked, sale_total, amount_refunded, awarded_at)
            VALUES ({merchant}, 'bakery-api', 'square', 'S-1001', {ids.Card}, 11, 0, {total}, {refunded}, {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO processed_events (merchant_id, source_system, connector_id, kind, external_id, processed_at, deliveries)
            VALUES ({merchant}, 'square', 'bakery-api', 'sale', 'S-1001', {at}, 2)
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO unmatched_sales (merchant_id, connector_id, source_system, external_sale_id, currency, total, reason, occurred_at, recorded_at)
            VALUES ({merchant}, 'bakery-api', 'square', 'S-1002', 'EUR', {unmatched}, 'NoCustomer', {at}, {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO vouchers (id, merchant_id, program_id, card_id, cycle, code, normalized_code, reward, state, issued_at, expires_at, closed_at,
                redeemed_by, redeemed_by_connector_id, redeemed_by_source_system, redeemed_by_sale_id, redeemed_by_staff_id)
            VALUES ({ids.Voucher}, {merchant}, {ids.Program}, {ids.Card}, 1, 'BRD-7Q2K9X', 'BRD-7Q2K9X', 'A free loaf', 'Redeemed', {at}, {later}, {at},
                'RedeemCode', 'bakery-api', 'square', 'S-1003', NULL)
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO voucher_history (voucher_id, state, at, method, connector_id, sale_id, staff_id, note)
            VALUES ({ids.Voucher}, 'Issued', {at}, NULL, 'bakery-api', 'S-1001', NULL, 'goal reached'),
                   ({ids.Voucher}, 'Redeemed', {at}, 'RedeemCode', 'bakery-api', 'S-1003', NULL, NULL)
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO pool_codes (merchant_id, program_id, code, normalized_code, voucher_id, imported_at)
            VALUES ({merchant}, {ids.Program}, 'BRD-7Q2K9X', 'BRD-7Q2K9X', {ids.Voucher}, {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO sale_refunds (merchant_id, connector_id, source_system, external_refund_id, external_sale_id, amount, is_full_refund, occurred_at)
            VALUES ({merchant}, 'bakery-api', 'square', 'R-1', 'S-1001', {refunded}, {no}, {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO staff_members (merchant_id, staff_id, token_hash, created_at, revoked_at)
            VALUES ({merchant}, 'anna', '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', {at}, NULL)
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO outbox (message_type, payload, created_at, attempts, locked_by, locked_until, sent_at)
            VALUES ('StampsAwarded', {payload}, {at}, 1, NULL, NULL, {at})
            """);

        await database.ExecuteSqlAsync($"""
            INSERT INTO connector_instances (id, plugin_id, merchant_id, settings, paused, isolation, source_system, restart_generation, version, revision, created_at, updated_at)
            VALUES ('bakery-api', 'generic-webhook', {merchant}, {settings}, {yes}, 'process', 'square', 1, 3, {ids.Revision}, {at}, {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO connector_file_controls (connector_id, paused, restart_generation, version, revision, updated_at)
            VALUES ('bakery-file', {yes}, 2, 4, {ids.ControlRevision}, {at})
            """);
        await database.ExecuteSqlAsync($"INSERT INTO connector_offsets (connector_id, key, value, updated_at) VALUES ('bakery-csv', 'till-1', 'R-1042', {at})");
        await database.ExecuteSqlAsync($"INSERT INTO connector_seen_events (connector_id, event_id, seen_at) VALUES ('bakery-api', 'evt-9001', {at})");

        await database.ExecuteSqlAsync($"""
            INSERT INTO apple_pass_tokens (pass_type_id, serial_number, token_hash, created_at)
            VALUES ({passType}, {ids.Card}, 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef', {at})
            """);
        await database.ExecuteSqlAsync($"""
            INSERT INTO apple_pass_registrations (device_library_id, pass_type_id, serial_number, push_token, created_at)
            VALUES ('device-1', {passType}, {ids.Card}, 'f00dfeed0123', {at})
            """);
        await database.ExecuteSqlAsync($"INSERT INTO apple_pass_updates (pass_type_id, serial_number, tag, updated_at) VALUES ({passType}, {ids.Card}, 1796000000000, {at})");
    }

    private sealed record Ids(Guid Program, Guid Customer, Guid Card, Guid Voucher, Guid Revision, Guid ControlRevision);
}
