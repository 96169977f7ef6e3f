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

    /// <summary>
    /// The longest value accepted, in characters. Null takes the default cap of its type
    /// (<see cref="ConnectorSettingsDefinition.DefaultMaxLength"/>, or <see cref="ConnectorSettingsDefinition.DefaultJsonMaxLength"/>
    /// for JSON). A longer value is refused naming its length, never echoed.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// The only values a string setting accepts (an enumeration such as <c>hex</c>/<c>base64</c>), or null for any.
    /// Matched ignoring case and stored as declared; forms show them as a choice. Declared with
    /// <see cref="ConnectorSettingsDefinition.DefineChoice"/>.
    /// </summary>
    public IReadOnlyList<string>? AllowedValues { get; init; }

    /// <summary>The longest value accepted: <see cref="MaxLength"/>, or the default cap of the setting's type.</summary>
    public int EffectiveMaxLength => MaxLength ?? (Type == SettingType.Json ? ConnectorSettingsDefinition.DefaultJsonMaxLength : ConnectorSettingsDefinition.DefaultMaxLength);
}
