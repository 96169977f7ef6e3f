using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>A Square connector task wired to a fake Square server, a recording sink, a store and a capturing logger.</summary>
internal sealed class SquareHarness : IAsyncDisposable
{
    public const string SignatureKey = "sqwh-test-signature-key-Q7x";
    public const string PreviousSignatureKey = "sqwh-old-signature-key-M2p";
    public const string NotificationUrl = "https://loyalty.example.com/webhooks/square-main";

    /// <summary>Retries in milliseconds, so the retry tests stay quick.</summary>
    public static readonly SquareClientOptions FastRetries = new() { RetryDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(5), TotalTimeout = TimeSpan.FromSeconds(20) };

    private SquareHarness(FakeSquareServer square, IConnectorTask task, RecordingSink sink, IConnectorStore store, CapturingLogger logger)
    {
        Square = square;
        Task = task;
        Sink = sink;
        Store = store;
        Logger = logger;
    }

    public FakeSquareServer Square { get; }

    public IConnectorTask Task { get; }

    public SquareTask SquareTask => (SquareTask)Task;

    public IWebhookReceiver Receiver => (IWebhookReceiver)Task;

    public RecordingSink Sink { get; }

    public IConnectorStore Store { get; }

    public CapturingLogger Logger { get; }

    public static Dictionary<string, string?> Settings(FakeSquareServer square, params string[] locations) => new()
    {
        ["accessToken"] = FakeSquareServer.AccessToken,
        ["signatureKey"] = SignatureKey,
        ["notificationUrl"] = NotificationUrl,
        ["locationIds"] = string.Join(",", locations.Length == 0 ? [SquarePayloads.Location] : locations),
        ["baseUrl"] = square.BaseUrl.ToString(),
    };

    /// <summary>A task over <paramref name="square"/>; the test owns the server, the harness only the task.</summary>
    public static SquareHarness Create(
        FakeSquareServer square,
        Action<Dictionary<string, string?>>? configure = null,
        IConnectorStore? store = null,
        TimeProvider? timeProvider = null)
    {
        var values = Settings(square);
        configure?.Invoke(values);
        return Create(square, values, store, timeProvider);
    }

    /// <summary>Another task over the same fake server and the same store: the connector after a restart.</summary>
    public SquareHarness Restarted(TimeProvider? timeProvider = null) => Create(Square, Settings(Square), Store, timeProvider);

    private static SquareHarness Create(FakeSquareServer square, Dictionary<string, string?> values, IConnectorStore? store, TimeProvider? timeProvider)
    {
        var connector = new SquareConnector { ClientOptions = FastRetries };
        var result = ConnectorValidation.Validate(connector, values);
        if (!result.IsValid)
        {
            throw new ArgumentException("Invalid settings: " + string.Join("; ", result.Errors), nameof(values));
        }

        var sink = new RecordingSink();
        var logger = new CapturingLogger();
        store ??= new InMemoryConnectorStore();
        var context = new ConnectorContext(ConnectorHarness.ConnectorId, ConnectorHarness.MerchantId, result.Settings!, sink, logger, timeProvider ?? TimeProvider.System, store);
        return new SquareHarness(square, connector.CreateTask(context), sink, store, logger);
    }

    public static WebhookRequest Signed(string body, string key = SignatureKey, string url = NotificationUrl)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new WebhookRequest("POST", new Dictionary<string, string> { ["X-Square-HmacSha256-Signature"] = SquareSignature.Compute(url, bytes, key) }, bytes, DateTimeOffset.UnixEpoch);
    }

    public Task<WebhookResponse> SendAsync(string body) => Receiver.HandleWebhookAsync(Signed(body), CancellationToken.None);

    public ValueTask DisposeAsync() => Task.DisposeAsync();
}

/// <summary>Keeps every formatted log line (and exception text), to check that nothing secret is logged.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");
    }
}
