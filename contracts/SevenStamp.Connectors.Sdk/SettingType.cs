namespace SevenStamp.Connectors.Sdk;

/// <summary>The type of a connector setting; the host parses and checks values against it.</summary>
public enum SettingType
{
    /// <summary>Any text.</summary>
    String = 0,

    /// <summary>A whole number (invariant culture).</summary>
    Integer = 1,

    /// <summary>A decimal number with '.' as the separator.</summary>
    Decimal = 2,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean = 3,

    /// <summary>An absolute http or https URL.</summary>
    Url = 4,

    /// <summary>A list of texts: a JSON array of strings, or a comma-separated string.</summary>
    List = 5,

    /// <summary>A JSON object or array (e.g. a field mapping).</summary>
    Json = 6,

    /// <summary>A duration: <c>hh:mm:ss</c>, or a number with a unit (<c>500ms</c>, <c>90s</c>, <c>5m</c>, <c>2h</c>).</summary>
    Duration = 7,
}
