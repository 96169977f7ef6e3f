namespace SevenStamp.Webhooks.Data;

/// <summary>
/// One event for one subscription: its signed payload, where it stands, and what its last attempt got. Made once per
/// (subscription, event, sequence) whatever the bus redelivers; every attempt sends the same <see cref="MessageId"/>
/// (<c>webhook-id</c>) and the same payload. A card's deliveries to one subscription go out in <see cref="Sequence"/> order.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public Guid SubscriptionId { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>The <c>webhook-id</c> header: the same on every attempt and redelivery.</summary>
    public required string MessageId { get; set; }

    /// <summary>The event's name, e.g. <c>stamp_added</c>.</summary>
    public required string EventType { get; set; }

    /// <summary>The loyalty event's sequence (its outbox row): the order of one card's events.</summary>
    public long Sequence { get; set; }

    /// <summary>The card the event is about, when there is one: a card's deliveries are sent in order.</summary>
    public Guid? CardId { get; set; }

    /// <summary>The JSON body, exactly as signed.</summary>
    public required string Payload { get; set; }

    /// <summary>When the event happened.</summary>
    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the next attempt is due (while <see cref="DeliveryStatus.Pending"/>).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>The HTTP status of the last attempt; null when it got no answer (timeout, refused connection).</summary>
    public int? LastStatusCode { get; set; }

    public int? LastLatencyMs { get; set; }

    /// <summary>What went wrong on the last attempt, in words (never the payload or a secret).</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>A replica's claim while it sends, so two replicas never send one delivery at once.</summary>
    public string? LockedBy { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>Where a delivery stands.</summary>
public enum DeliveryStatus
{
    /// <summary>Waiting for its first attempt or a retry.</summary>
    Pending = 0,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered = 1,

    /// <summary>Given up: retries used up, the receiver answered 410, or its subscription was disabled or deleted.</summary>
    Failed = 2,
}
