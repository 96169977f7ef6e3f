namespace SevenStamp.Connectors.Sdk;

/// <summary>The answer the host gives the POS for a webhook call.</summary>
public sealed record WebhookResponse
{
    private WebhookResponse(int statusCode, WebhookOutcome outcome, string message)
    {
        StatusCode = statusCode;
        Outcome = outcome;
        Message = message;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    public WebhookOutcome Outcome { get; }

    /// <summary>A short text for the POS and the logs. Must not contain secrets or customer data.</summary>
    public string Message { get; }

    /// <summary>200: the event's records are durable.</summary>
    public static WebhookResponse Accepted(string message = "accepted") => new(200, WebhookOutcome.Accepted, message);

    /// <summary>200: a repeat delivery; acknowledged so the POS stops retrying, nothing done.</summary>
    public static WebhookResponse Duplicate(string message = "duplicate") => new(200, WebhookOutcome.Duplicate, message);

    /// <summary>200: authentic but not something this connector acts on.</summary>
    public static WebhookResponse Ignored(string reason) => new(200, WebhookOutcome.Ignored, reason);

    /// <summary>401: missing or wrong signature or credentials. Nothing is published.</summary>
    public static WebhookResponse Unauthorized(string reason = "signature verification failed") => new(401, WebhookOutcome.Unauthorized, reason);

    /// <summary>400: authentic but malformed; the reason names the field at fault.</summary>
    public static WebhookResponse Invalid(string reason) => new(400, WebhookOutcome.Invalid, reason);

    /// <summary>503: the event could not be made durable now; the POS retries later.</summary>
    public static WebhookResponse Unavailable(string reason = "temporarily unavailable, retry later") => new(503, WebhookOutcome.Unavailable, reason);
}
