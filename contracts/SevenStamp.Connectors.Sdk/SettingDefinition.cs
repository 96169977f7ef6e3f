namespace SevenStamp.Connectors.Sdk;

/// <summary>One setting a connector declares (the Kafka Connect ConfigDef shape).</summary>
public sealed record SettingDefinition
{
    /// <summary>The key merchants write in their configuration, e.g. <c>signatureKey</c>.</summary>
    public required string Name { get; init; }

    public required SettingType Type { get; init; }

    /// <summary>What the setting is for and where the merchant finds its value.</summary>
    public required string Description { get; init; }

    /// <summary>A value must be given (and no default exists).</summary>
    public bool Required { get; init; }

    /// <summary>The value is a secret: never shown, returned or logged.</summary>
    public bool Secret { get; init; }

    /// <summary>The value used when none is given, in the same text form a merchant would write.</summary>
    public string? DefaultValue { get; init; }
}
