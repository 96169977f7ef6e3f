namespace SevenStamp.Loyalty.Data;

/// <summary>An offset a connector instance stored (host-owned connector state shares the database).</summary>
public sealed class ConnectorOffset
{
    public long Id { get; set; }

    public required string ConnectorId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An event id a connector instance handled; kept at least seven days.</summary>
public sealed class SeenEvent
{
    public long Id { get; set; }

    public required string ConnectorId { get; set; }

    public required string EventId { get; set; }

    public DateTimeOffset SeenAt { get; set; }
}
