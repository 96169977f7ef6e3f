namespace SevenStamp.Loyalty.Data;

/// <summary>
/// An event written in the same transaction as the state change it reports; the relay publishes it and marks
/// it sent. A crash between commit and publish loses nothing: the row is still there.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>The contract's type name, e.g. <c>StampsAwarded</c>.</summary>
    public required string MessageType { get; set; }

    /// <summary>The message as JSON.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>A relay's claim on the row, so replicas do not publish the same row at once.</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    public string? LockedBy { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}
