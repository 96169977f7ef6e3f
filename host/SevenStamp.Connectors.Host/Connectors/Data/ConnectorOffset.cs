namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>An offset a connector instance stored, by key (e.g. the last receipt id of a till).</summary>
public sealed class ConnectorOffset
{
    public long Id { get; set; }

    public required string ConnectorId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
