using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;
using SevenStamp.Http.Access;

namespace SevenStamp.Webhooks.Api;

/// <summary>
/// The outbound webhooks API under <c>/api/merchants/{merchantId}/webhooks</c>: subscriptions, secrets, the delivery
/// log, redelivery and replay; reads need read and changes need write on the route's merchant (the accounts' one
/// tenant check). The event catalogue and each event's JSON Schema are public, under <c>/api/webhooks</c>.
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var hooks = endpoints.MapGroup("/api/merchants/{merchantId}/webhooks");
        hooks.WithTags("Outbound webhooks");
        hooks.MapGet("", ListAsync).WithSummary("The merchant's webhook subscriptions");
        hooks.MapPost("", CreateAsync).Audited("webhook.created").WithRequestBody<WebhookSubscriptionInput>()
            .WithSummary("Subscribe an https endpoint to events; the answer shows its signing secret, this once");
        hooks.MapGet("/{subscriptionId:guid}", GetAsync).WithSummary("One subscription, with why it was disabled if it was");
        hooks.MapPut("/{subscriptionId:guid}", UpdateAsync).Audited("webhook.changed").WithRequestBody<WebhookSubscriptionInput>()
            .WithSummary("Change the URL, events, description, or enable/disable; what is left out stays");
        hooks.MapDelete("/{subscriptionId:guid}", DeleteAsync).Audited("webhook.deleted").WithSummary("Delete a subscription and its delivery log");
        hooks.MapPost("/{subscriptionId:guid}/secret", RotateAsync).Audited("webhook.secret-rotated")
            .WithSummary("A new signing secret, shown once; the old one keeps signing beside it for the overlap (24 h by default)");
        hooks.MapGet("/{subscriptionId:guid}/deliveries", DeliveriesAsync)
            .WithSummary("The delivery log, newest first: event, attempts, status code, latency, next retry (?status=pending|delivered|failed, ?before=<id>, ?limit=1–200)");
        hooks.MapGet("/{subscriptionId:guid}/deliveries/{deliveryId:long}/payload", PayloadAsync).WithSummary("A delivery's body, exactly as signed and sent");
        hooks.MapPost("/{subscriptionId:guid}/deliveries/{deliveryId:long}/redeliver", RedeliverAsync).Audited("webhook.redelivered")
            .WithSummary("Send one delivery again now, with its same webhook-id");
        hooks.MapPost("/{subscriptionId:guid}/replay", ReplayAsync).Audited("webhook.replayed").WithRequestBody<ReplayRequest>()
            .WithSummary("Send again every event since a time, in order, each with its same webhook-id");

        var docs = endpoints.MapGroup("/api/webhooks").AllowAnonymous().WithTags("Outbound webhooks");
        docs.MapGet("/events", () => Results.Ok(WebhookEvents.Catalogue.Select(e => new { name = e.Name, description = e.Description, schema = $"/api/webhooks/schemas/{e.Name}" })))
            .WithSummary("Every event a subscription can hear");
        docs.MapGet("/schemas/{eventName}", Schema).WithSummary("The JSON Schema of an event's payload");
        return endpoints;
    }

    /// <summary>What <c>POST …/replay</c> takes.</summary>
    public sealed record ReplayRequest(DateTimeOffset? Since);

    private static async Task<IResult> ListAsync(string merchantId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        Results.Ok(await subscriptions.ListAsync(merchantId, cancellationToken));

    private static async Task<IResult> GetAsync(string merchantId, Guid subscriptionId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.FindAsync(merchantId, subscriptionId, cancellationToken) is { } found ? Results.Ok(found) : NotFound(subscriptionId);

    private static async Task<IResult> CreateAsync(string merchantId, HttpRequest request, WebhookSubscriptions subscriptions, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (input, bad) = await ReadAsync<WebhookSubscriptionInput>(request, json, cancellationToken);
        if (input is null)
        {
            return bad!;
        }

        var (created, errors) = await subscriptions.CreateAsync(merchantId, input, cancellationToken);
        if (created is null)
        {
            return FieldErrors.Problem(errors);
        }

        request.HttpContext.Audit(created.Subscription.Id.ToString(), null, WebhookSubscriptions.AuditSummary(created.Subscription));
        return Results.Created($"/api/merchants/{merchantId}/webhooks/{created.Subscription.Id}", created);
    }

    private static async Task<IResult> UpdateAsync(string merchantId, Guid subscriptionId, HttpRequest request, WebhookSubscriptions subscriptions, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (input, bad) = await ReadAsync<WebhookSubscriptionInput>(request, json, cancellationToken);
        if (input is null)
        {
            return bad!;
        }

        var before = await subscriptions.FindAsync(merchantId, subscriptionId, cancellationToken);
        var (updated, errors) = await subscriptions.UpdateAsync(merchantId, subscriptionId, input, cancellationToken);
        if (updated is null)
        {
            return errors.Count > 0 ? FieldErrors.Problem(errors) : NotFound(subscriptionId);
        }

        request.HttpContext.Audit(subscriptionId.ToString(), before is null ? null : WebhookSubscriptions.AuditSummary(before), WebhookSubscriptions.AuditSummary(updated));
        return Results.Ok(updated);
    }

    private static async Task<IResult> DeleteAsync(string merchantId, Guid subscriptionId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.DeleteAsync(merchantId, subscriptionId, cancellationToken) ? Results.NoContent() : NotFound(subscriptionId);

    private static async Task<IResult> RotateAsync(string merchantId, Guid subscriptionId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.RotateSecretAsync(merchantId, subscriptionId, cancellationToken) is { } rotated ? Results.Ok(rotated) : NotFound(subscriptionId);

    private static async Task<IResult> DeliveriesAsync(string merchantId, Guid subscriptionId, string? status, long? before, int? limit, WebhookSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var wanted = WebhookSubscriptions.ParseStatus(status);
        if (status is not null && wanted is null)
        {
            return Invalid("status", "must be pending, delivered or failed, or left out for all");
        }

        if (limit is < 1 or > WebhookSubscriptions.MaxPage)
        {
            return Invalid("limit", $"must be between 1 and {WebhookSubscriptions.MaxPage}");
        }

        return await subscriptions.DeliveriesAsync(merchantId, subscriptionId, wanted, before, limit ?? 50, cancellationToken) is { } log
            ? Results.Ok(log)
            : NotFound(subscriptionId);
    }

    private static async Task<IResult> PayloadAsync(string merchantId, Guid subscriptionId, long deliveryId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.PayloadAsync(merchantId, subscriptionId, deliveryId, cancellationToken) is { } payload
            ? Results.Text(payload, "application/json")
            : Results.Problem($"Subscription {subscriptionId} has no delivery {deliveryId}.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> RedeliverAsync(string merchantId, Guid subscriptionId, long deliveryId, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.RedeliverAsync(merchantId, subscriptionId, deliveryId, cancellationToken)
            ? Results.Accepted()
            : Results.Problem($"Subscription {subscriptionId} has no delivery {deliveryId}.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> ReplayAsync(string merchantId, Guid subscriptionId, HttpRequest request, WebhookSubscriptions subscriptions, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (input, bad) = await ReadAsync<ReplayRequest>(request, json, cancellationToken);
        if (input is null)
        {
            return bad!;
        }

        if (input.Since is not { } since)
        {
            return Invalid("since", "is required: the time to replay from, e.g. \"2026-12-06T09:00:00Z\"");
        }

        return await subscriptions.ReplayAsync(merchantId, subscriptionId, since, cancellationToken) is { } count
            ? Results.Accepted(value: new { replayed = count })
            : NotFound(subscriptionId);
    }

    private static IResult Schema(string eventName) =>
        WebhookSchemas.Find(eventName) is { } schema
            ? Results.Text(schema, "application/schema+json")
            : Results.Problem($"'{eventName}' is not an event; GET /api/webhooks/events lists them.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<(T? Value, IResult? Bad)> ReadAsync<T>(HttpRequest request, IOptions<JsonOptions> json, CancellationToken cancellationToken)
        where T : class
    {
        var (document, error) = await JsonBody.ParseAsync(request.Body, cancellationToken);
        if (document is null)
        {
            return (null, FieldErrors.Problem([error!]));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid("body", "send one JSON object"));
            }

            try
            {
                return (document.Deserialize<T>(json.Value.SerializerOptions) ?? throw new JsonException("null"), null);
            }
            catch (JsonException ex)
            {
                var described = JsonBody.Describe(ex);
                return (null, Invalid(described.Field, described.Message));
            }
        }
    }

    private static IResult NotFound(Guid subscriptionId) =>
        Results.Problem($"There is no webhook subscription {subscriptionId} for this merchant.", statusCode: StatusCodes.Status404NotFound);

    private static IResult Invalid(string field, string message) => FieldErrors.Problem([new SettingError(field, message)]);
}

/// <summary>The JSON Schema of each event's payload, shipped in the assembly from <c>Schemas/&lt;event&gt;.schema.json</c>.</summary>
public static class WebhookSchemas
{
    /// <summary>The schema of <paramref name="eventName"/>, or null when it is not an event.</summary>
    public static string? Find(string eventName)
    {
        if (!WebhookEvents.Names.Contains(eventName))
        {
            return null;
        }

        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"SevenStamp.Webhooks.Schemas.{eventName}.schema.json");
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
