namespace SevenStamp.Connectors.Square;

/// <summary>A Square body (webhook or API answer) is malformed; the message names the field and what is expected.</summary>
public sealed class SquarePayloadException : Exception
{
    public SquarePayloadException()
    {
    }

    public SquarePayloadException(string message)
        : base(message)
    {
    }

    public SquarePayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
