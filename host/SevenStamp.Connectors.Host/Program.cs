using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host;

try
{
    var app = HostApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or FormatException || (ex is InvalidOperationException && ex.InnerException is FormatException))
{
    // A configuration mistake: say which setting and why, without a stack trace.
    var message = ex is OptionsValidationException validation ? string.Join("; ", validation.Failures) : ex.Message;
    await Console.Error.WriteLineAsync($"sevenstamp: configuration error: {message}");
    return 2;
}
