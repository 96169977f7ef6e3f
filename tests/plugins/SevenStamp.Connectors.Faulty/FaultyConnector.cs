using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Faulty;

/// <summary>
/// Misbehaves as its <c>mode</c> setting says: <c>throw-on-webhook</c>, <c>hang-on-webhook</c> (ignores its token),
/// <c>hang-on-start</c>, or <c>fail-first-starts</c> (throws from the first <c>failures</c> starts of the process).
/// </summary>
public sealed class FaultyConnector : IPosConnector
{
    private static int _starts;

    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("mode", SettingType.String, "throw-on-webhook, hang-on-webhook, hang-on-start or fail-first-starts.", required: true)
        .Define("failures", SettingType.Integer, "For fail-first-starts: how many starts fail.", defaultValue: "2");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GetString("mode") is not ("throw-on-webhook" or "hang-on-webhook" or "hang-on-start" or "fail-first-starts"))
        {
            yield return new SettingError("mode", "must be throw-on-webhook, hang-on-webhook, hang-on-start or fail-first-starts");
        }
    }

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new FaultyTask(context.Settings.GetRequiredString("mode"), (int)(context.Settings.GetInteger("failures") ?? 2));
    }

    private sealed class FaultyTask(string mode, int failures) : IConnectorTask, IWebhookReceiver
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (mode == "hang-on-start")
            {
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }

            if (mode == "fail-first-starts" && Interlocked.Increment(ref _starts) <= failures)
            {
                throw new InvalidOperationException("Failing to start on purpose.");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
        {
            if (mode == "hang-on-webhook")
            {
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }

            throw new InvalidOperationException("Failing on purpose.");
        }
    }
}
