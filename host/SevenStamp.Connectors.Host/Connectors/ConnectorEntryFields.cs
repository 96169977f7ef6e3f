using System.Text.Json;
using SevenStamp.Connectors.Host.Isolation;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// The fields a connector is given alike in the connectors file (<see cref="ConnectorConfigurationFile"/>) and in a
/// management API request (<see cref="Api.ConnectorRequestReader"/>), read by one code so the two cannot drift apart:
/// <c>"isolation"</c>, <c>"sourceSystem"</c> (<see cref="ConnectorSourceSystem.TryRead"/>) and each setting's value.
/// </summary>
internal static class ConnectorEntryFields
{
    /// <summary>
    /// Reads <c>"isolation"</c>: <c>"in-process"</c> or <c>"process"</c>; absent or null is no choice (null). False for
    /// any other value, which is told <see cref="ConnectorIsolationNames.Expected"/>.
    /// </summary>
    public static bool TryReadIsolation(JsonElement entry, out ConnectorIsolation? isolation)
    {
        isolation = null;
        if (!entry.TryGetProperty("isolation", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (ConnectorIsolationNames.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : null, out var parsed))
        {
            isolation = parsed;
            return true;
        }

        return false;
    }

    /// <summary>A setting's value as connectors take it: a string as it is, null as null, any other JSON value as its JSON text.</summary>
    public static string? SettingValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };
}
