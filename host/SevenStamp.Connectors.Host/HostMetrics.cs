using System.Diagnostics;
using System.Diagnostics.Metrics;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host;

/// <summary>The host's own instruments (meter <c>SevenStamp.Connectors</c>), exported at <c>/metrics</c>.</summary>
internal static class HostMetrics
{
    public const string MeterName = "SevenStamp.Connectors";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Webhooks = Meter.CreateCounter<long>("sevenstamp.webhooks", description: "Webhook calls, by connector and outcome");
    private static readonly Histogram<double> WebhookDuration = Meter.CreateHistogram<double>("sevenstamp.webhook.duration", unit: "s", description: "Time from receiving a webhook to answering it (records durable)");
    private static readonly Counter<long> Records = Meter.CreateCounter<long>("sevenstamp.connector.records", description: "Records connectors handed to the bus and the broker confirmed, by connector and type");
    private static readonly Counter<long> PublishFailures = Meter.CreateCounter<long>("sevenstamp.connector.publish_failures", description: "Records the broker did not confirm in time, by connector");

    private static readonly Counter<long> ConnectorChanges = Meter.CreateCounter<long>("sevenstamp.connector.changes", description: "Changes made through the connector management API, by action (created, replaced, deleted, pause, resume, restart)");

    public static void ConnectorChanged(string action) => ConnectorChanges.Add(1, new KeyValuePair<string, object?>("action", action));

    public static void Webhook(string connectorId, WebhookOutcome outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "connector", connectorId }, { "outcome", outcome.ToString() } };
        Webhooks.Add(1, tags);
        WebhookDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("connector", connectorId));
    }

    public static void Published(string connectorId, string type) =>
        Records.Add(1, new KeyValuePair<string, object?>("connector", connectorId), new KeyValuePair<string, object?>("type", type));

    public static void PublishFailed(string connectorId) => PublishFailures.Add(1, new KeyValuePair<string, object?>("connector", connectorId));
}
