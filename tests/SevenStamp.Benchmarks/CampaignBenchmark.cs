using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Benchmarks;

/// <summary>
/// The campaign figure (issue 21): N cards (100,000 by default) written in bulk, then a campaign to every one of them,
/// run by the product's <see cref="CampaignRunner"/> in this process on a fresh database, on SQLite and PostgreSQL.
/// Its baseline, measured in the same run on the same database: the bulk insert that seeded the cards (a customer and
/// a card per card, 250 rows a statement, one transaction per statement), the plainest way to write as many rows.
/// The campaign writes three rows per card (the voucher, its history row, its event in the outbox) and reads the
/// segment besides, so about 1.5× the seed's time is what batching alone allows.
/// </summary>
internal sealed class CampaignBenchmark(BenchOptions options, TextWriter log)
{
    public const string StartMarker = "<!-- campaign:start (written by the harness's --campaign run) -->";
    public const string EndMarker = "<!-- campaign:end -->";
    private const string MerchantId = "bench-campaign";
    // 250 rows a statement, as the campaign's own inserts: SQLite's binding cost grows with the square of a statement's
    // parameters, and a slower baseline would flatter the ratio.
    private const int SeedRows = 250;
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(60);

    public async Task<List<Figure>> RunAsync(CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        LoyaltyStoreProvider[] providers = options.Postgres ? [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql] : [LoyaltyStoreProvider.Sqlite];
        foreach (var provider in providers)
        {
            figures.Add(await RunOneAsync(provider, cancellationToken));
        }

        return figures;
    }

    private async Task<Figure> RunOneAsync(LoyaltyStoreProvider provider, CancellationToken cancellationToken)
    {
        var cards = options.CampaignCards;
        await using var database = await BenchDatabase.CreateAsync(provider, options.PostgresServer);
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        services.AddLoyaltyStore(new LoyaltyStoreOptions { Provider = provider, ConnectionString = database.ConnectionString });
        await using var provided = services.BuildServiceProvider();
        foreach (var hosted in provided.GetServices<IHostedService>())
        {
            await hosted.StartAsync(cancellationToken);
        }

        Guid programId;
        await using (var scope = provided.CreateAsyncScope())
        {
            var program = await scope.ServiceProvider.GetRequiredService<ProgramStore>().UpsertAsync(
                new ProgramDefinition { MerchantId = MerchantId, Name = "Bench card", Reward = "A free coffee", CodePrefix = "BENCH-", CodeLength = 8 },
                cancellationToken);
            programId = program.Id;
        }

        // Baseline: the seed itself, timed.
        await log.WriteLineAsync($"campaign, {provider}: seeding {cards:N0} cards …");
        var seed = Stopwatch.StartNew();
        await SeedAsync(provided, programId, cards, cancellationToken);
        seed.Stop();

        // The campaign: created to start now, then run to completion by the product's runner.
        await log.WriteLineAsync($"campaign, {provider}: seeded in {seed.Elapsed.TotalSeconds:0.0} s; sending the campaign …");
        await using (var scope = provided.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<CampaignService>().CreateAsync(
                MerchantId,
                new CampaignDefinition { Name = "Bench thank-you", Reward = "A free cinnamon bun", ValidDays = 30 },
                "bench",
                cancellationToken);
            if (created.Campaign is null)
            {
                throw new InvalidOperationException("The campaign was refused: " + string.Join("; ", created.Errors));
            }
        }

        var run = Stopwatch.StartNew();
        var completed = await provided.GetRequiredService<CampaignRunner>().RunDueAsync(cancellationToken);
        run.Stop();

        await using (var scope = provided.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            var vouchers = await db.Vouchers.CountAsync(v => v.CampaignId != null, cancellationToken);
            var distinctCards = await db.Vouchers.Where(v => v.CampaignId != null).Select(v => v.CardId).Distinct().CountAsync(cancellationToken);
            var events = await db.Outbox.CountAsync(m => m.MessageType == "VoucherIssued", cancellationToken);
            if (completed != 1 || vouchers != cards || distinctCards != cards || events != cards)
            {
                throw new InvalidOperationException($"The campaign did not give each card one voucher: {completed} completed, {vouchers} vouchers for {distinctCards} cards, {events} events, {cards} cards.");
            }
        }

        var batch = provided.GetRequiredService<CampaignOptions>().BatchSize;
        await log.WriteLineAsync($"campaign, {provider}: {cards:N0} vouchers in {run.Elapsed.TotalSeconds:0.0} s");
        return new Figure(
            $"Campaign to {cards:N0} cards, {(provider == LoyaltyStoreProvider.Sqlite ? "SQLite" : "PostgreSQL")}",
            run.Elapsed.TotalSeconds,
            "s",
            seed.Elapsed.TotalSeconds,
            "< 60 s",
            run.Elapsed < Target,
            string.Create(CultureInfo.InvariantCulture, $"{cards / run.Elapsed.TotalSeconds:#,0} vouchers/s in batches of {batch:N0}; baseline: the bulk insert of the {cards:N0} customers and cards"));
    }

    /// <summary>One customer and one card per card, 250 of each a statement, one transaction per pair of statements.</summary>
    private static async Task SeedAsync(IServiceProvider services, Guid programId, int count, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var now = DateTimeOffset.UtcNow;
        for (var start = 0; start < count; start += SeedRows)
        {
            var rows = Enumerable.Range(0, Math.Min(SeedRows, count - start)).Select(_ => (Customer: Guid.NewGuid(), Card: Guid.NewGuid())).ToList();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var customers = new SqlText("INSERT INTO customers (id, merchant_id, created_at) VALUES ");
            var merchant = customers.Parameter(MerchantId);
            var at = customers.Parameter(db.DbInstant(now));
            customers.Rows(rows, r => [customers.Parameter(r.Customer), merchant, at]);
            await db.Database.ExecuteSqlRawAsync(customers.Text, customers.Parameters, cancellationToken);

            var cards = new SqlText("INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at) VALUES ");
            var program = cards.Parameter(programId);
            var cardMerchant = cards.Parameter(MerchantId);
            var cardAt = cards.Parameter(db.DbInstant(now));
            cards.Rows(rows, r => [cards.Parameter(r.Card), program, cards.Parameter(r.Customer), cardMerchant, "0", "0", cardAt, cardAt]);
            await db.Database.ExecuteSqlRawAsync(cards.Text, cards.Parameters, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public static string Markdown(DateTimeOffset at, string machine, IReadOnlyList<Figure> figures)
    {
        var report = new Report { Machine = machine };
        foreach (var figure in figures)
        {
            report.Add(figure);
        }

        var text = new StringBuilder();
        text.AppendLine(StartMarker);
        text.AppendLine(CultureInfo.InvariantCulture, $"### Latest campaign run: {at:yyyy-MM-dd HH:mm} UTC (--campaign)");
        text.AppendLine();
        text.AppendLine(machine);
        text.AppendLine();
        text.Append(report.Table());
        text.AppendLine();
        foreach (var figure in figures.Where(f => f.Note is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {figure.Name}: {figure.Note}.");
        }

        text.AppendLine(EndMarker);
        return text.ToString();
    }

    /// <summary>The machine, without the host and broker lines of the full run (none runs here).</summary>
    public static string Machine(string? postgresVersion, string? sqliteVersion)
    {
        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        return string.Join(
            Environment.NewLine,
            $"- Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; .NET {Environment.Version}, the harness in its own process (no host, no broker)",
            $"- PostgreSQL {postgresVersion ?? "not run"}; SQLite {sqliteVersion ?? "unknown"}",
            $"- Load average at the end of the run: {load} (other builds share the machine)");
    }

    /// <summary>Replaces the campaign block of <paramref name="path"/> (appending it the first time), keeping the rest.</summary>
    public static async Task WriteAsync(string path, string block)
    {
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Benchmarks\n\n";
        var start = existing.IndexOf(StartMarker, StringComparison.Ordinal);
        var end = existing.IndexOf(EndMarker, StringComparison.Ordinal);
        var updated = start >= 0 && end > start
            ? string.Concat(existing.AsSpan(0, start), block.TrimEnd('\n'), existing.AsSpan(end + EndMarker.Length))
            : existing.TrimEnd('\n') + "\n\n" + block;
        await File.WriteAllTextAsync(path, updated);
    }
}
