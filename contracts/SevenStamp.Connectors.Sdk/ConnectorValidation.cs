namespace SevenStamp.Connectors.Sdk;

/// <summary>How the host validates a connector's settings; plugin tests use the same to see what a merchant would see.</summary>
public static class ConnectorValidation
{
    /// <summary>
    /// Checks <paramref name="values"/> against the connector's declared schema, then runs the connector's own
    /// <see cref="IPosConnector.Validate"/> on them, so a merchant sees every problem at once. A misspelt key or a
    /// value of the wrong type does not hide the connector's checks of the other settings (they run with that value
    /// left out, and say nothing more about it); a missing required value does, because those checks need it.
    /// </summary>
    public static SettingsValidationResult Validate(IPosConnector connector, IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(values);
        var definition = connector.SettingsDefinition;
        var schema = definition.Validate(values);
        var typed = schema;
        var flagged = schema.Errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        if (!schema.IsValid)
        {
            var sound = values.Where(kv => definition.Find(kv.Key) is not null && !flagged.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            typed = definition.Validate(sound);
            if (!typed.IsValid)
            {
                return schema;
            }
        }

        List<SettingError> errors = [.. schema.Errors, .. connector.Validate(typed.Settings!).Where(e => !flagged.Contains(e.Field))];
        return errors.Count == 0 ? typed : new SettingsValidationResult(null, errors);
    }
}
