namespace SevenStamp.Webhooks;

/// <summary>
/// The operator's settings of outbound webhooks (<c>SevenStamp:OutboundWebhooks</c>). The defaults suit production:
/// https only, no private addresses, 10 s per attempt, retries over about three days.
/// </summary>
public sealed class WebhooksOptions
{
    public const string SectionName = "SevenStamp:OutboundWebhooks";

    /// <summary>
    /// Lets subscriptions reach loopback, private, link-local and cloud metadata addresses. Off in production: a
    /// merchant could otherwise make the host call into the operator's own network. Tests turn it on for their
    /// loopback receiver.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Lets subscriptions use plain <c>http</c> URLs; off, only <c>https</c> is accepted.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>How long one delivery attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The waits between attempts after a failure; once the last one has passed and the delivery failed again, it is
    /// given up and its subscription disabled. The default spans about three days (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
    /// 14 h, 20 h, 24 h), each wait stretched by up to a tenth at random so receivers coming back are not hit at once.
    /// </summary>
    public IList<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>
    /// How long a new event waits before its first attempt, so the events of one card published together are all in
    /// the store and go out in their order.
    /// </summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often each replica looks for deliveries that are due, besides being woken by new events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Attempts in flight at once on one replica, all subscriptions together. Each is claimed as room frees up, so a
    /// slow receiver holds only its own attempts.
    /// </summary>
    public int ConcurrentDeliveries { get; set; } = 64;

    /// <summary>How long the previous signing secret keeps signing beside the new one after a rotation.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The schedule in force: <see cref="RetrySchedule"/>, or the default when none is configured.</summary>
    public IReadOnlyList<TimeSpan> Retries => RetrySchedule.Count > 0 ? [.. RetrySchedule] : DefaultRetries;

    public static readonly IReadOnlyList<TimeSpan> DefaultRetries =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];
}
