using Microsoft.Extensions.Logging;

namespace SevenStamp.Http.RateLimiting;

/// <summary>Log lines of the abuse limits. Never the client's address or the key: only which limit refused.</summary>
internal static partial class RateLimitLog
{
    // Debug: a flood would otherwise become a flood of log lines; /metrics counts refusals (aspnetcore.rate_limiting.requests).
    [LoggerMessage(EventId = 7001, EventName = "RateLimitRefused", Level = LogLevel.Debug, Message = "Request refused with 429 by the rate limit {Policy}; retry after {RetryAfterSeconds} s")]
    public static partial void Refused(ILogger logger, string policy, int retryAfterSeconds);
}
