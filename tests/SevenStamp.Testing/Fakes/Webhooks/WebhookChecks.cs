using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;
using SevenStamp.Webhooks.Api;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace SevenStamp.Testing.Fakes.Webhooks;

/// <summary>
/// What a receiver checks of an outbound webhook: the signature, with the <c>StandardWebhooks</c> package's own
/// verifier (as a merchant's endpoint would), and the body against the published JSON Schema of its event.
/// </summary>
public static class WebhookChecks
{
    // Lazy: JsonSchema.FromText registers the schema's $id globally, and a second registration of it throws, so two
    // tests asking for one schema at once must build it once.
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new(StringComparer.Ordinal);

    /// <summary>Null when the request's signature verifies with <paramref name="secret"/>, else the verifier's complaint.</summary>
    public static string? SignatureProblem(WebhookReceiver.Received request, string secret)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            new StandardWebhook(secret).Verify(request.Body, request.HeaderDictionary());
            return null;
        }
        catch (WebhookVerificationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Null when the body is valid against its event's published schema, else the errors, with where they are.</summary>
    public static string? SchemaProblem(string body)
    {
        using var document = JsonDocument.Parse(body);
        var eventName = document.RootElement.GetProperty("event").GetString() ?? string.Empty;
        var schema = Schemas.GetOrAdd(eventName, name => new Lazy<JsonSchema>(() => JsonSchema.FromText(WebhookSchemas.Find(name) ?? throw new InvalidOperationException($"No schema is published for '{name}'.")))).Value;
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? null
            : string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }
}
