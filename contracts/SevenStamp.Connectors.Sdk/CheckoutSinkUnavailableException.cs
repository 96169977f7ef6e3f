namespace SevenStamp.Connectors.Sdk;

/// <summary>The host could not make a record durable (broker down or slow). The event must be retried.</summary>
public sealed class CheckoutSinkUnavailableException : Exception
{
    public CheckoutSinkUnavailableException()
    {
    }

    public CheckoutSinkUnavailableException(string message)
        : base(message)
    {
    }

    public CheckoutSinkUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
