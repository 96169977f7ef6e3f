namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// One running connector instance. The host calls <see cref="StartAsync"/> once, <see cref="StopAsync"/>
/// once on shutdown or reconfiguration, then disposes it. Long-running work (polling, file watching) runs
/// until the token given to <see cref="StartAsync"/> is cancelled or <see cref="StopAsync"/> is called.
/// A task that receives webhooks also implements <see cref="IWebhookReceiver"/>.
/// </summary>
public interface IConnectorTask : IAsyncDisposable
{
    /// <summary>Starts the instance. Should return promptly; start background loops rather than running them here.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops the instance; must honour <paramref name="cancellationToken"/>, the host's grace period.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
