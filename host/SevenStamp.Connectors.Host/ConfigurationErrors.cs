using Microsoft.Extensions.Options;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// A configuration mistake found while the host is built or started: told to the operator as the setting and why,
/// without a stack trace (several sections may be wrong at once).
/// </summary>
internal static class ConfigurationErrors
{
    /// <summary>True for a failed options validation (one or several) or a value that could not be converted.</summary>
    public static bool IsConfigurationError(Exception ex) => ex is OptionsValidationException or FormatException
        || (ex is InvalidOperationException && ex.InnerException is FormatException)
        || (ex is AggregateException several && several.InnerExceptions.All(e => e is OptionsValidationException));

    /// <summary>Every failure named, joined by <c>; </c>.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        OptionsValidationException validation => string.Join("; ", validation.Failures),
        AggregateException all => string.Join("; ", all.InnerExceptions.OfType<OptionsValidationException>().SelectMany(v => v.Failures)),
        _ => ex.Message,
    };
}
