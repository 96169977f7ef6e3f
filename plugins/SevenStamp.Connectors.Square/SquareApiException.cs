namespace SevenStamp.Connectors.Square;

/// <summary>
/// A call to the Square API failed after its retries (network, timeout, 429, 5xx, a refused token). The message
/// names the call and the status, never the token or a body.
/// </summary>
public sealed class SquareApiException : Exception
{
    public SquareApiException()
    {
    }

    public SquareApiException(string message)
        : base(message)
    {
    }

    public SquareApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SquareApiException(string message, int? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status Square answered with, or null when no answer came.</summary>
    public int? StatusCode { get; }
}
