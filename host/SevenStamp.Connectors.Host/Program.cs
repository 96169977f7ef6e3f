using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Operations;

try
{
    if (args.Length > 0 && args[0] == SevenStamp.Connectors.Host.Isolation.ConnectorWorker.Command)
    {
        // One isolated connector's worker process: no web host, just that plugin and the protocol on stdin/stdout.
        return await SevenStamp.Connectors.Host.Isolation.ConnectorWorker.RunAsync(args[1..]);
    }

    if (args.Length > 0 && args[0] == "errors")
    {
        // The operator's error-queue tool: no host, just the broker settings.
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. args.Skip(1).Where(a => a.StartsWith("--SevenStamp:", StringComparison.Ordinal))])
            .Build();
        var bus = configuration.GetSection("SevenStamp:Bus").Get<BusOptions>() ?? new BusOptions();
        return await new ErrorQueueCommand(bus, Console.Out).RunAsync([.. args.Skip(1).Where(a => !a.StartsWith("--SevenStamp:", StringComparison.Ordinal))], CancellationToken.None);
    }

    var app = HostApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or FormatException
    || (ex is InvalidOperationException && ex.InnerException is FormatException)
    || (ex is AggregateException several && several.InnerExceptions.All(e => e is OptionsValidationException)))
{
    // A configuration mistake: say which setting and why, without a stack trace (several sections may be wrong at once).
    var message = ex switch
    {
        OptionsValidationException validation => string.Join("; ", validation.Failures),
        AggregateException all => string.Join("; ", all.InnerExceptions.OfType<OptionsValidationException>().SelectMany(v => v.Failures)),
        _ => ex.Message,
    };
    await Console.Error.WriteLineAsync($"sevenstamp: configuration error: {message}");
    return 2;
}
