namespace SevenStamp.Connectors.Square;

/// <summary>Timeouts and retries of the Square API client. The defaults are for production; tests shorten the delays.</summary>
internal sealed record SquareClientOptions
{
    /// <summary>Retries after the first attempt, on 408, 429, 5xx, network errors and attempt timeouts.</summary>
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>
    /// The first retry's delay; later ones double it (with jitter), up to <see cref="MaxRetryDelay"/>. A Retry-After
    /// header on Square's answer sets the delay instead; <see cref="TotalTimeout"/> bounds the whole call either way.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest one attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest one call may take, retries included. A webhook's own deadline (the host's) is shorter.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Orders per SearchOrders page (Square allows up to 1000).</summary>
    public int SearchPageSize { get; init; } = 100;
}
