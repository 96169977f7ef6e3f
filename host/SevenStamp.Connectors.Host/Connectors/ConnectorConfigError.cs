namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>A problem in the connector configuration file, naming the connector and field at fault.</summary>
/// <param name="ConnectorId">The connector instance, or null for a problem with the file itself.</param>
/// <param name="Field">The field path, e.g. <c>settings.signingSecret</c>.</param>
/// <param name="Message">What is wrong and how to fix it; never a secret value.</param>
public sealed record ConnectorConfigError(string? ConnectorId, string Field, string Message)
{
    public override string ToString() => ConnectorId is null ? $"{Field}: {Message}" : $"connector '{ConnectorId}', {Field}: {Message}";
}
