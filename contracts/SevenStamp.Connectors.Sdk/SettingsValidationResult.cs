namespace SevenStamp.Connectors.Sdk;

/// <summary>The outcome of checking settings: typed settings when valid, otherwise the errors per field.</summary>
public sealed record SettingsValidationResult(ConnectorSettings? Settings, IReadOnlyList<SettingError> Errors)
{
    public bool IsValid => Errors.Count == 0 && Settings is not null;
}
