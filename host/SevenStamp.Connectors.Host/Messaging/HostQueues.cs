namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>The queues a host declares on RabbitMQ, before the <c>SevenStamp:Bus:NamePrefix</c>.</summary>
internal static class HostQueues
{
    /// <summary>Where a consumer queue's failures end (MassTransit's error queue, and the broker's dead letters).</summary>
    public const string ErrorSuffix = "_error";

    /// <summary>Where a consumer queue's messages wait before a delayed redelivery.</summary>
    public const string DelaySuffix = "_delay";

    /// <summary>Where MassTransit moves messages no consumer of the queue handles.</summary>
    public const string SkippedSuffix = "_skipped";

    /// <summary>The Apple pass updater's queue (declared only with Apple passes on).</summary>
    public const string ApplePassUpdates = "apple-pass-updates";

    /// <summary>The Google Wallet updater's queue (declared only with Google Wallet on).</summary>
    public const string GoogleWalletUpdates = "google-wallet-updates";

    /// <summary>The outbound webhooks' queue: loyalty events become stored deliveries there.</summary>
    public const string OutboundWebhooks = "outbound-webhooks";

    /// <summary>The consumer queues: the loyalty consumers', the wallet updaters' and the outbound webhooks'.</summary>
    public static readonly string[] Consumers = ["sale-completed", "sale-refunded", ApplePassUpdates, GoogleWalletUpdates, OutboundWebhooks];

    /// <summary>Every queue a host with <paramref name="prefix"/> may declare: each consumer queue and its companions.</summary>
    public static IEnumerable<string> All(string? prefix) =>
        Consumers.SelectMany(q => new[] { q, q + ErrorSuffix, q + SkippedSuffix, q + DelaySuffix }).Select(q => prefix + q);
}
