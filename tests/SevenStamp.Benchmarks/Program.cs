using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using RabbitMQ.Client;
using SevenStamp.Benchmarks;

var (options, error) = BenchOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync($"sevenstamp-bench: {error}\n\n{BenchOptions.Usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.Campaign)
{
    try
    {
        var campaign = new CampaignBenchmark(options, Console.Out);
        var figures = await campaign.RunAsync(cancel.Token);
        var machine = CampaignBenchmark.Machine(options.Postgres ? await Versions.PostgresAsync(options.PostgresServer!) : null, Versions.Sqlite());
        var block = CampaignBenchmark.Markdown(DateTimeOffset.UtcNow, machine, figures);
        Console.WriteLine();
        Console.Write(block);
        if (options.OutputFile is not null)
        {
            await CampaignBenchmark.WriteAsync(options.OutputFile, block);
            Console.WriteLine($"Written to {options.OutputFile}");
        }

        return figures.All(f => f.Pass != false) ? 0 : 3;
    }
    catch (Exception ex) when (ex is not OutOfMemoryException)
    {
        await Console.Error.WriteLineAsync($"sevenstamp-bench: the campaign run did not complete: {ex}");
        return 1;
    }
}

if (options.Replicas)
{
    try
    {
        var report = new Report();
        await new Benchmark(options, report, Console.Out).RunScaleOutAsync(cancel.Token);
        report.Machine = Report.DescribeMachine(await Versions.RabbitMqAsync(options.RabbitMqUri), await Versions.PostgresAsync(options.PostgresServer!), Versions.Sqlite());
        var block = report.Markdown(Benchmark.ScaleOutStartMarker, Benchmark.ScaleOutEndMarker, string.Create(CultureInfo.InvariantCulture, $"### Latest scale-out run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC (--replicas)"));
        Console.WriteLine();
        Console.Write(block);
        if (options.OutputFile is not null)
        {
            await Report.ReplaceBlockAsync(options.OutputFile, Benchmark.ScaleOutStartMarker, Benchmark.ScaleOutEndMarker, block);
            Console.WriteLine($"Written to {options.OutputFile}");
        }

        return 0;
    }
    catch (Exception ex) when (ex is not OutOfMemoryException)
    {
        await Console.Error.WriteLineAsync($"sevenstamp-bench: the scale-out run did not complete: {ex}");
        return 1;
    }
}

try
{
    var report = new Report();
    var bench = new Benchmark(options, report, Console.Out);
    await bench.RunAsync(cancel.Token);
    report.Machine = Report.DescribeMachine(await Versions.RabbitMqAsync(options.RabbitMqUri), options.Postgres ? await Versions.PostgresAsync(options.PostgresServer!) : null, Versions.Sqlite());

    Console.WriteLine();
    Console.WriteLine(report.Machine);
    Console.WriteLine();
    Console.Write(report.Table());
    if (options.OutputFile is not null)
    {
        await report.WriteAsync(options.OutputFile, options.Smoke ? "--smoke" : "--all");
        Console.WriteLine($"Written to {options.OutputFile}");
    }

    return 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // A developer's tool: the whole exception helps more than a tidy line.
    await Console.Error.WriteLineAsync($"sevenstamp-bench: the run did not complete: {ex}");
    return 1;
}

namespace SevenStamp.Benchmarks
{
    /// <summary>Versions of the servers, for the machine description.</summary>
    internal static class Versions
    {
        public static async Task<string?> RabbitMqAsync(string uri)
        {
            var factory = new ConnectionFactory { Uri = new Uri(uri) };
            await using var connection = await factory.CreateConnectionAsync();
            return connection.ServerProperties is { } p && p.TryGetValue("version", out var v) && v is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
        }

        public static async Task<string?> PostgresAsync(string server)
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW server_version", connection);
            return (await command.ExecuteScalarAsync())?.ToString();
        }

        public static string? Sqlite()
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "select sqlite_version()";
            return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }
}
