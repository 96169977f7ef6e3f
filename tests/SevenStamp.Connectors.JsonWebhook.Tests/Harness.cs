using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>A json-webhook task over a recording sink, an in-memory store and a line logger.</summary>
internal sealed class Harness : IAsyncDisposable
{
    private Harness(IConnectorTask task, RecordingSink sink, LineLogger logger)
    {
        Task = task;
        Sink = sink;
        Logger = logger;
    }

    public IConnectorTask Task { get; }

    public RecordingSink Sink { get; }

    public LineLogger Logger { get; }

    public static Harness Create(IReadOnlyDictionary<string, string?> settings)
    {
        var connector = new JsonWebhookConnector();
        var result = ConnectorValidation.Validate(connector, settings);
        if (!result.IsValid)
        {
            throw new ArgumentException("Invalid settings: " + string.Join("; ", result.Errors), nameof(settings));
        }

        var sink = new RecordingSink();
        var logger = new LineLogger();
        var context = new ConnectorContext(ConnectorHarness.ConnectorId, ConnectorHarness.MerchantId, result.Settings!, sink, logger, TimeProvider.System, new InMemoryConnectorStore());
        return new Harness(connector.CreateTask(context), sink, logger);
    }

    public static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?> settings, params (string Key, string? Value)[] changes)
    {
        var copy = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in changes)
        {
            copy[key] = value;
        }

        return copy;
    }

    public static IReadOnlyList<SettingError> Errors(IReadOnlyDictionary<string, string?> settings) =>
        ConnectorValidation.Validate(new JsonWebhookConnector(), settings).Errors;

    public Task<WebhookResponse> SendAsync(WebhookRequest request) => ((IWebhookReceiver)Task).HandleWebhookAsync(request, CancellationToken.None);

    public ValueTask DisposeAsync() => Task.DisposeAsync();
}
