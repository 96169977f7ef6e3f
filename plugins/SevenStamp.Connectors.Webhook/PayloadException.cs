namespace SevenStamp.Connectors.Webhook;

/// <summary>The body is authentic but malformed; the message names the field and what is expected.</summary>
public sealed class PayloadException : Exception
{
    public PayloadException()
    {
    }

    public PayloadException(string message)
        : base(message)
    {
    }

    public PayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
