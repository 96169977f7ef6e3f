using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Faulty;

/// <summary>
/// Misbehaves as its <c>mode</c> setting says: <c>throw-on-webhook</c>, <c>hang-on-webhook</c> (ignores its token),
/// <c>hang-on-start</c>, <c>fail-first-starts</c> (throws from the first <c>failures</c> starts of the process),
/// <c>crash-thread-on-webhook</c> (throws on a thread of its own, which ends any process it runs in),
/// <c>exit-on-webhook</c> (<see cref="Environment.FailFast(string)"/>), <c>hang-on-stop</c> (ignores its token) or
/// <c>hang-on-stop-and-exit</c> (also blocks its process's exit: only ever run it isolated).
/// </summary>
public sealed class FaultyConnector : IPosConnector
{
    private static int _starts;

    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("mode", SettingType.String, "throw-on-webhook, hang-on-webhook, hang-on-start, fail-first-starts, crash-thread-on-webhook, exit-on-webhook, hang-on-stop or hang-on-stop-and-exit.", required: true)
        .Define("failures", SettingType.Integer, "For fail-first-starts: how many starts fail.", defaultValue: "2");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GetString("mode") is not ("throw-on-webhook" or "hang-on-webhook" or "hang-on-start" or "fail-first-starts" or "crash-thread-on-webhook" or "exit-on-webhook" or "hang-on-stop" or "hang-on-stop-and-exit"))
        {
            yield return new SettingError("mode", "must be throw-on-webhook, hang-on-webhook, hang-on-start, fail-first-starts, crash-thread-on-webhook, exit-on-webhook, hang-on-stop or hang-on-stop-and-exit");
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

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (mode == "hang-on-stop-and-exit")
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Thread.Sleep(Timeout.Infinite);
            }

            if (mode is "hang-on-stop" or "hang-on-stop-and-exit")
            {
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
        {
            if (mode == "crash-thread-on-webhook")
            {
                // A bug no try/catch of the caller can contain: an unhandled exception on a thread of the plugin's own.
                new Thread(() => throw new InvalidOperationException("Crashing a thread of its own on purpose.")) { IsBackground = true }.Start();
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }

            if (mode == "exit-on-webhook")
            {
                Environment.FailFast("Failing fast on purpose.");
            }

            if (mode == "hang-on-webhook")
            {
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }

            throw new InvalidOperationException("Failing on purpose.");
        }
    }
}
