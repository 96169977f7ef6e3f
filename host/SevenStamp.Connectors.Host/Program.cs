using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Isolation;
using SevenStamp.Connectors.Host.Operations;

try
{
    if (args is [ConnectorWorker.Command, ..])
    {
        // One isolated connector's worker process: no web host, just that plugin and the protocol on stdin/stdout.
        return await ConnectorWorker.RunAsync(args[1..]);
    }

    if (args is [ErrorQueueCommand.Name, ..])
    {
        // The operator's error-queue tool: no host, just the broker settings.
        return await ErrorQueueCommand.RunFromCommandLineAsync(args[1..]);
    }

    var app = HostApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ConfigurationErrors.IsConfigurationError(ex))
{
    // A configuration mistake: say which setting and why, without a stack trace (several sections may be wrong at once).
    await Console.Error.WriteLineAsync($"sevenstamp: configuration error: {ConfigurationErrors.Describe(ex)}");
    return 2;
}
