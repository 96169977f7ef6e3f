using Microsoft.AspNetCore.Http;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Http;

/// <summary>Bad input answered the one way: 400, a validation problem whose <c>errors</c> name each field with its messages.</summary>
public static class FieldErrors
{
    /// <summary>400 with <paramref name="errors"/> grouped by field; <paramref name="detail"/> and <paramref name="extensions"/> as the caller adds them.</summary>
    public static IResult Problem(IEnumerable<SettingError> errors, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return Results.ValidationProblem(
            errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal),
            detail: detail,
            extensions: extensions);
    }
}
