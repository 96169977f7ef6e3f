using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty;

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

    /// <summary>
    /// Exports the host's, the loyalty engine's and MassTransit's instruments, with ASP.NET Core's and the runtime's,
    /// in the Prometheus format (<see cref="MapMetrics"/>).
    /// </summary>
    public static IServiceCollection AddHostMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MeterName, LoyaltyMetrics.MeterName, "MassTransit")
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Maps <c>/metrics</c>, the Prometheus scraping endpoint (open, as scrapers are; it names no customer).</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return endpoints;
    }

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
