namespace SevenStamp.Connectors.Sdk;

/// <summary>What became of a webhook call; drives the host's metrics and logs.</summary>
public enum WebhookOutcome
{
    /// <summary>The event was turned into records and they are durable.</summary>
    Accepted = 0,

    /// <summary>The event was seen before; nothing was done.</summary>
    Duplicate = 1,

    /// <summary>A valid event of a kind this connector does not act on (e.g. a pending payment).</summary>
    Ignored = 2,

    /// <summary>The request failed its signature or authentication check.</summary>
    Unauthorized = 3,

    /// <summary>The request was authentic but malformed.</summary>
    Invalid = 4,

    /// <summary>The event could not be made durable now; the POS should retry.</summary>
    Unavailable = 5,
}
