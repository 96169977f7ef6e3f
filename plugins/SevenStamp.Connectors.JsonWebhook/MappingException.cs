namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// The body is authentic but a mapped field is missing or unreadable. The message names the field and the path
/// it was looked for at, never the value found (it may be customer data).
/// </summary>
public sealed class MappingException : Exception
{
    public MappingException()
    {
    }

    public MappingException(string message)
        : base(message)
    {
    }

    public MappingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MappingException(string where, string problem)
        : base($"{where} {problem}")
    {
    }
}
