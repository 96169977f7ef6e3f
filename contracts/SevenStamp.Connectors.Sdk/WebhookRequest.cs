namespace SevenStamp.Connectors.Sdk;

/// <summary>A webhook call as the POS made it: raw body bytes and headers, no ASP.NET types.</summary>
public sealed class WebhookRequest
{
    private readonly IReadOnlyDictionary<string, string> _headers;

    public WebhookRequest(string method, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, string? queryString = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(headers);
        Method = method;
        _headers = headers is Dictionary<string, string> { Comparer: var comparer } && comparer == StringComparer.OrdinalIgnoreCase
            ? headers
            : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        Body = body;
        ReceivedAt = receivedAt;
        QueryString = queryString;
    }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>Request headers; names compare case-insensitively, repeated headers are joined with commas.</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers;

    /// <summary>The body exactly as received. Verify signatures over these bytes, never over a re-serialization.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>When the host received the request.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The query string including the leading '?', or null.</summary>
    public string? QueryString { get; }

    /// <summary>The value of a header, or null when absent.</summary>
    public string? GetHeader(string name) => _headers.TryGetValue(name, out var value) ? value : null;
}
