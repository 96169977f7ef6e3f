namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>An event id a connector instance handled; kept at least seven days.</summary>
public sealed class SeenEvent
{
    public long Id { get; set; }

    public required string ConnectorId { get; set; }

    public required string EventId { get; set; }

    public DateTimeOffset SeenAt { get; set; }
}
