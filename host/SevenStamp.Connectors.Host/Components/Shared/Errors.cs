using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Components.Shared;

/// <summary>The errors a service gave, by field, for a form to show beside each field.</summary>
public static class Errors
{
    public static IReadOnlyDictionary<string, string[]> ByField(IEnumerable<SettingError> errors) =>
        errors.GroupBy(e => e.Field, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.OrdinalIgnoreCase);

    /// <summary>A local path to go back to after signing in; anything else (another site) goes to the console.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 1 } && returnUrl[0] == '/' && returnUrl[1] is not ('/' or '\\') ? returnUrl : "/console";
}
