namespace SevenStamp.Connectors.Sdk;

/// <summary>A plugin's <c>connector.json</c> is missing a field or has a bad value.</summary>
public sealed class ConnectorManifestException : Exception
{
    public ConnectorManifestException()
    {
    }

    public ConnectorManifestException(string message)
        : base(message)
    {
    }

    public ConnectorManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConnectorManifestException(string source, string problem)
        : base($"{source}: {problem}")
    {
    }
}
