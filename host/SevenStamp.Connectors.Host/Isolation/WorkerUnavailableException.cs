namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>The connector's worker process is gone (exited, crashed or killed) or its pipe broke; the call was not done.</summary>
public sealed class WorkerUnavailableException : Exception
{
    public WorkerUnavailableException()
    {
    }

    public WorkerUnavailableException(string message)
        : base(message)
    {
    }

    public WorkerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
