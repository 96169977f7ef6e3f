namespace SevenStamp.Wallet.Google;

/// <summary>
/// Google Wallet refused or failed a call. <see cref="IsTransient"/> says whether trying again later can help
/// (429, 5xx, the network) or not (a bad request, a refused key, a missing permission).
/// </summary>
public sealed class GoogleWalletException : Exception
{
    public GoogleWalletException()
    {
    }

    public GoogleWalletException(string message)
        : base(message)
    {
    }

    public GoogleWalletException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GoogleWalletException(string message, int statusCode, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    /// <summary>The HTTP status Google answered; 0 when there was no answer.</summary>
    public int StatusCode { get; }

    public bool IsTransient { get; }
}
