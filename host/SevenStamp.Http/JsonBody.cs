using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Http;

/// <summary>
/// The one reading of JSON bodies, for the host's management API and connectors file and for Loyalty's API. A body
/// must be UTF-8 JSON whose every text is valid (no lone surrogate escape such as <c>\ud800</c>, no invalid UTF-8
/// inside a string) and whose objects name each property once: the last of two equal keys silently winning hides
/// mistakes. Every problem is answered 400 naming the field.
/// </summary>
public static class JsonBody
{
    private const int MaxDepth = 32;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Parses a body read as a document, then checks it (<see cref="Check"/>), so that reading any string of it
    /// afterwards cannot throw. Returns the document, or the error naming the field.
    /// </summary>
    public static async Task<(JsonDocument? Document, SettingError? Error)> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return (null, new SettingError("body", $"is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}); send one JSON object in UTF-8, nested at most {MaxDepth} levels, with Content-Type: application/json"));
        }

        if (Check(document.RootElement, string.Empty) is { } error)
        {
            document.Dispose();
            return (null, error);
        }

        return (document, null);
    }

    /// <summary>The first text that is not valid, or property named twice, under <paramref name="element"/>; null when none.</summary>
    public static SettingError? Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryRead(element) ? null : Broken(path);
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Check(item, $"{path}[{index++}]") is { } error)
                    {
                        return error;
                    }
                }

                return null;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return Broken(path.Length == 0 ? "body" : path);
                    }

                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (!names.Add(name))
                    {
                        return new SettingError(Quotable(child, path), "is given twice; give each property once");
                    }

                    if (Check(property.Value, child) is { } error)
                    {
                        return error;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// What a deserialization failure means for the client: the field (from the exception's path) and the problem,
    /// with no framework wording or stack trace.
    /// </summary>
    public static SettingError Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$', '.');
        if (exception.InnerException is InvalidOperationException)
        {
            return Broken(field);
        }

        // The serializer says so in its message only; refused by JsonSerializerOptions.AllowDuplicateProperties = false.
        return exception.Message.StartsWith("Duplicate property", StringComparison.Ordinal)
            ? new SettingError(field, "is given twice; give each property once")
            : new SettingError(field, "has a value of the wrong type, or the body is not valid JSON in UTF-8; see the schema at /openapi/v1.json");
    }

    private static bool TryRead(JsonElement element)
    {
        try
        {
            _ = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static SettingError Broken(string path) =>
        new(path.Length == 0 ? "body" : path, "contains text that is not valid UTF-8, or a \\u escape of half a character (an unpaired surrogate such as \\ud800); send valid UTF-8 text");

    /// <summary>A field path to report: a very long or odd property name is not quoted back.</summary>
    private static string Quotable(string child, string parent) =>
        child.Length <= 200 && !child.Any(char.IsControl) ? child : (parent.Length == 0 ? "body" : parent);

    /// <summary>
    /// Answers a request whose typed body (a minimal API parameter) could not be read with 400 naming the field,
    /// instead of the framework's empty 400 or a 500 (<c>RouteHandlerOptions.ThrowOnBadRequest</c> hands it here).
    /// </summary>
    public sealed class BadBodyHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
            {
                return false;
            }

            var error = bad.InnerException is JsonException json
                ? Describe(json)
                : new SettingError("request", bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "the body is too large" : "could not be read: check the body's JSON, its Content-Type and the parameters; see /openapi/v1.json");
            var result = Results.ValidationProblem(new Dictionary<string, string[]> { [error.Field] = [error.Message] }, statusCode: bad.StatusCode);
            await result.ExecuteAsync(httpContext);
            return true;
        }
    }
}
