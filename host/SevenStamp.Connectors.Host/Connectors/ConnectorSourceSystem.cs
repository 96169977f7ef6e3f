using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// A connector instance's <c>"sourceSystem"</c>, read alike from the connectors file and the management API: the
/// point-of-sale system its sales come from. Connectors that see the same till (a Square webhook and a CSV drop of
/// Square's export) name the same one, so each sale is stamped once whichever arrives first.
/// </summary>
internal static class ConnectorSourceSystem
{
    public const string Expected = "must be the name of the point-of-sale system the sales come from: lower-case letters, digits and dashes (1–63 characters), e.g. \"square\"; give the same name to every connector that sees the same till";

    /// <summary>Reads the value: absent or null is no source system (the plugin's, else the connector id, applies).</summary>
    public static bool TryRead(System.Text.Json.JsonElement entry, out string? sourceSystem)
    {
        sourceSystem = null;
        if (!entry.TryGetProperty("sourceSystem", out var value) || value.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return true;
        }

        return value.ValueKind == System.Text.Json.JsonValueKind.String && TryParse(value.GetString(), out sourceSystem);
    }

    /// <summary>Checks a stored or given value; the comparison is case-insensitive, so it is kept in lower case.</summary>
    public static bool TryParse(string? text, out string? sourceSystem)
    {
        sourceSystem = text?.Trim().ToLowerInvariant();
        return ConnectorManifest.IsValidId(sourceSystem);
    }
}
