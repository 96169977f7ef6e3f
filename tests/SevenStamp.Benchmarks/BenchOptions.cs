using System.Globalization;

namespace SevenStamp.Benchmarks;

/// <summary>What one run measures and how much load it sends; parsed from the command line.</summary>
internal sealed class BenchOptions
{
    public const string RabbitMqVariable = "SEVENSTAMP_TEST_RABBITMQ";
    public const string PostgresVariable = "SEVENSTAMP_TEST_POSTGRES";

    public bool Smoke { get; private set; }

    public bool Postgres { get; private set; } = true;

    /// <summary>
    /// Runs the product's sustained phase a second time per database, on a fresh host with one outbound webhook
    /// subscription to every event pointing at a receiver in the harness (<c>--no-webhooks</c> skips it).
    /// </summary>
    public bool Webhooks { get; private set; } = true;

    /// <summary>Only the two baselines (the raw client and MassTransit alone): no host is started.</summary>
    public bool BaselinesOnly { get; private set; }

    public string RabbitMqUri { get; private set; } = Environment.GetEnvironmentVariable(RabbitMqVariable) is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/";

    public string? PostgresServer { get; private set; } = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } pg
        ? pg
        : "Host=127.0.0.1;Port=5432;Database=sevenstamp;Username=sevenstamp;Password=sevenstamp";

    /// <summary>Messages the raw broker baseline publishes and consumes.</summary>
    public int BaselineMessages { get; private set; } = 50_000;

    /// <summary>Sales sent as fast as the host takes them (closed loop) for the sustained rate.</summary>
    public int SustainedSales { get; private set; } = 20_000;

    /// <summary>Concurrent HTTP requests in flight for the closed-loop phases.</summary>
    public int Connections { get; private set; } = 64;

    /// <summary>Sales per second of the paced (open-loop) latency phase.</summary>
    public int PacedRate { get; private set; } = 1_000;

    /// <summary>How long the paced phase sends.</summary>
    public TimeSpan PacedDuration { get; private set; } = TimeSpan.FromSeconds(15);

    /// <summary>Requests of the ingress-only phase.</summary>
    public int IngressRequests { get; private set; } = 20_000;

    /// <summary>
    /// Requests sent before each measured phase (JIT, tiered recompilation, pools, the first cards); unset, a tenth of
    /// the phase's size, at most 500.
    /// </summary>
    public int? WarmUp { get; private set; }

    /// <summary>The warm-up before a phase of <paramref name="measured"/> requests.</summary>
    public int WarmUpFor(int measured) => WarmUp ?? Math.Min(500, Math.Max(50, measured / 10));

    /// <summary>
    /// Run the host as the image ships it: published for this platform (ReadyToRun) into a temporary folder, instead
    /// of the Release build beside the harness. On for <c>--all</c>; <c>--build-output</c> turns it off.
    /// </summary>
    public bool Published { get; private set; }

    /// <summary>
    /// Only the campaign figure (<c>--campaign</c>): cards seeded in bulk, then a campaign to every one of them, on SQLite
    /// and PostgreSQL, in the harness's own process; no host and no broker.
    /// </summary>
    public bool Campaign { get; private set; }

    /// <summary>
    /// Only the scale-out figure (<c>--replicas</c>): the sustained and the paced phases against one host, then against
    /// <see cref="ReplicaCount"/> hosts on one PostgreSQL database and the one broker, the load spread round robin.
    /// </summary>
    public bool Replicas { get; private set; }

    /// <summary>Hosts of the scale-out figure's second configuration.</summary>
    public int ReplicaCount { get; private set; } = 3;

    /// <summary>Cards the campaign benchmark seeds and sends to.</summary>
    public int CampaignCards { get; private set; } = 100_000;

    /// <summary>Where the Markdown report goes; null prints only.</summary>
    public string? OutputFile { get; private set; }

    public static string Usage => """
        usage: dotnet run -c Release --project tests/SevenStamp.Benchmarks -- (--all | --smoke) [options]
          --all              every figure, SQLite and PostgreSQL; writes tests/SevenStamp.Benchmarks/benchmarks.md
          --smoke            a few hundred messages, SQLite only, prints the table (what CI runs)
          --sqlite-only      skip PostgreSQL
          --webhooks         also the sustained phase again with one outbound webhook subscription (the default)
          --no-webhooks      skip the outbound webhooks run
          --baselines-only   only the raw broker and MassTransit-alone baselines, no host
          --build-output     run the host from the Release build, not published as the image ships it (--all publishes)
          --sales N          sales of the sustained phase (default 20000)
          --baseline N       messages of the raw broker baseline (default 50000)
          --ingress N        webhooks of the ingress-alone phase (default 20000)
          --paced-seconds S  length of the paced 1,000/s phase (default 15)
          --paced-rate N     sales per second of the paced phase (default 1000)
          --connections N    concurrent HTTP requests (default 64)
          --warmup N         requests before each measured phase (default a tenth of it, at most 500)
          --campaign         only the campaign figure: N cards seeded in bulk, a campaign to all (writes its own block of benchmarks.md)
          --cards N          cards of the campaign figure (default 100000)
          --replicas         only the scale-out figure: sustained and paced phases on 1 host, then on 3 hosts sharing one
                             PostgreSQL database and the broker, round robin (writes its own block of benchmarks.md)
          --replica-count N  hosts of the scale-out figure's second configuration (default 3)
          --out FILE         write the report there (--all and --campaign default to benchmarks.md beside the project)
        RabbitMQ: $SEVENSTAMP_TEST_RABBITMQ (default amqp://guest:guest@127.0.0.1:5672/)
        PostgreSQL: $SEVENSTAMP_TEST_POSTGRES (a role that may CREATE DATABASE)
        """;

    /// <summary>The options for <paramref name="args"/>, or an error naming the argument at fault.</summary>
    public static (BenchOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var mode = false;
        var sqliteOnly = false;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number(string name)
            {
                var text = Next();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                    ? n
                    : throw new ArgumentException($"{name} must be a positive whole number, not '{text}'");
            }

            try
            {
                switch (args[i])
                {
                    case "--all":
                        mode = true;
                        options.Published = true;
                        options.OutputFile ??= DefaultReportPath();
                        break;
                    case "--smoke":
                        mode = true;
                        options.Smoke = true;
                        options.Postgres = false;
                        options.BaselineMessages = 500;
                        options.SustainedSales = 300;
                        options.Connections = 16;
                        options.PacedRate = 100;
                        options.PacedDuration = TimeSpan.FromSeconds(2);
                        options.IngressRequests = 300;
                        break;
                    case "--campaign":
                        mode = true;
                        options.Campaign = true;
                        options.OutputFile ??= DefaultReportPath();
                        break;
                    case "--replicas":
                        mode = true;
                        options.Replicas = true;
                        options.OutputFile ??= DefaultReportPath();
                        break;
                    case "--replica-count":
                        options.ReplicaCount = Number("--replica-count");
                        break;
                    case "--paced-rate":
                        options.PacedRate = Number("--paced-rate");
                        break;
                    case "--cards":
                        options.CampaignCards = Number("--cards");
                        break;
                    case "--build-output":
                        options.Published = false;
                        break;
                    case "--baselines-only":
                        options.BaselinesOnly = true;
                        options.Postgres = false;
                        break;
                    case "--webhooks":
                        options.Webhooks = true;
                        break;
                    case "--no-webhooks":
                        options.Webhooks = false;
                        break;
                    case "--sqlite-only":
                        options.Postgres = false;
                        sqliteOnly = true;
                        break;
                    case "--sales":
                        options.SustainedSales = Number("--sales");
                        break;
                    case "--baseline":
                        options.BaselineMessages = Number("--baseline");
                        break;
                    case "--ingress":
                        options.IngressRequests = Number("--ingress");
                        break;
                    case "--paced-seconds":
                        options.PacedDuration = TimeSpan.FromSeconds(Number("--paced-seconds"));
                        break;
                    case "--warmup":
                        options.WarmUp = Number("--warmup");
                        break;
                    case "--connections":
                        options.Connections = Number("--connections");
                        break;
                    case "--out":
                        options.OutputFile = Path.GetFullPath(Next());
                        break;
                    default:
                        return (null, $"unknown argument '{args[i]}'");
                }
            }
            catch (ArgumentException ex)
            {
                return (null, ex.Message);
            }
        }

        if (!mode)
        {
            return (null, "say --all or --smoke");
        }

        if (options.Smoke && options.OutputFile == DefaultReportPath())
        {
            options.OutputFile = null;
        }

        if (options.Replicas)
        {
            if (sqliteOnly)
            {
                return (null, "--replicas runs its hosts on one PostgreSQL database (several hosts do not share a SQLite file): drop --sqlite-only");
            }

            if (options.ReplicaCount < 2)
            {
                return (null, "--replica-count must be at least 2 (the figure compares them with one host)");
            }

            // --smoke turns PostgreSQL off for its own run; the scale-out figure needs it whatever the size.
            options.Postgres = true;
        }

        return (options, null);
    }

    /// <summary>benchmarks.md beside the project file (found upwards from the output folder), else the current folder.</summary>
    private static string DefaultReportPath() =>
        FindAbove("SevenStamp.Benchmarks.csproj") is { } project ? Path.Combine(Path.GetDirectoryName(project)!, "benchmarks.md") : Path.GetFullPath("benchmarks.md");

    /// <summary>The first <paramref name="relativePath"/> that exists in the harness's output folder or a folder above it.</summary>
    internal static string? FindAbove(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
