namespace SevenStamp.Connectors.Sdk;

/// <summary>How the host validates a connector's settings; plugin tests use the same to see what a merchant would see.</summary>
public static class ConnectorValidation
{
    /// <summary>
    /// Checks <paramref name="values"/> against the connector's declared schema, then runs the connector's own
    /// <see cref="IPosConnector.Validate"/> on them, so a merchant sees every problem at once. A misspelt key
    /// does not hide the connector's checks of the other settings; a missing or mistyped value does, because
    /// those checks need typed values.
    /// </summary>
    public static SettingsValidationResult Validate(IPosConnector connector, IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(values);
        var definition = connector.SettingsDefinition;
        var schema = definition.Validate(values);
        var typed = schema;
        if (!schema.IsValid)
        {
            var known = values.Where(kv => definition.Find(kv.Key) is not null).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            typed = known.Count == values.Count ? schema : definition.Validate(known);
            if (!typed.IsValid)
            {
                return schema;
            }
        }

        List<SettingError> errors = [.. schema.Errors, .. connector.Validate(typed.Settings!)];
        return errors.Count == 0 ? typed : new SettingsValidationResult(null, errors);
    }
}
