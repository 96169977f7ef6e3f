using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// A connector instance's <c>"sourceSystem"</c>, read alike from the connectors file and the management API: the
/// point-of-sale system its sales come from. Connectors that see the same till (a Square webhook and a CSV drop of
/// Square's export) name the same one, so each sale is stamped once whichever arrives first. The name's rule is
/// <see cref="SaleSource.TryParse"/>, which the loyalty API applies too.
/// </summary>
internal static class ConnectorSourceSystem
{
    public const string Expected = SaleSource.Expected;

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

    /// <summary>Checks a stored or given value (<see cref="SaleSource.TryParse"/>).</summary>
    public static bool TryParse(string? text, out string? sourceSystem) => SaleSource.TryParse(text, out sourceSystem);
}
