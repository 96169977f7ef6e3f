using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.VersionProbe;

/// <summary>
/// Reads signed webhooks (<c>{ "eventId", "saleId", "customerId", "total" }</c>, hex HMAC-SHA256 of the body in
/// <c>X-SevenStamp-Signature</c>) with its own Newtonsoft.Json, publishes each as a sale, and answers naming the
/// Newtonsoft.Json it sees: its file version and its load context.
/// </summary>
public sealed class VersionProbeConnector : IPosConnector
{
    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("signingSecret", SettingType.String, "The shared secret each body is signed with (HMAC-SHA256, hex).", required: true, secret: true);

    /// <summary>The Newtonsoft.Json this plugin sees: <c>13.0.3.27908 in load context 'X'</c>.</summary>
    public static string NewtonsoftSeen()
    {
        var assembly = typeof(JToken).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version ?? "unknown";
        var context = AssemblyLoadContext.GetLoadContext(assembly);
        return $"Newtonsoft.Json {version} in load context '{(context == AssemblyLoadContext.Default ? "Default" : context?.Name ?? "unnamed")}'";
    }

    public IEnumerable<SettingError> Validate(ConnectorSettings settings) => [];

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ProbeTask(context, Encoding.UTF8.GetBytes(context.Settings.GetRequiredString("signingSecret")));
    }

    private sealed class ProbeTask(ConnectorContext context, byte[] key) : IConnectorTask, IWebhookReceiver
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (!WebhookSignatures.VerifyHmacSha256(request.Body.Span, request.GetHeader("X-SevenStamp-Signature"), [key], SignatureEncoding.Hex))
            {
                return WebhookResponse.Unauthorized("signature verification failed");
            }

            JObject body;
            try
            {
                body = JObject.Parse(Encoding.UTF8.GetString(request.Body.Span));
            }
            catch (JsonException)
            {
                return WebhookResponse.Invalid("the body is not a JSON object");
            }

            var eventId = (string?)body["eventId"];
            var saleId = (string?)body["saleId"];
            if (string.IsNullOrWhiteSpace(eventId) || string.IsNullOrWhiteSpace(saleId))
            {
                return WebhookResponse.Invalid("eventId and saleId are required");
            }

            if (await context.Store.IsSeenAsync(eventId, cancellationToken))
            {
                return WebhookResponse.Duplicate($"event {eventId} was received before");
            }

            var total = (decimal?)body["total"] ?? 1m;
            await context.Sink.PublishAsync(
                new SaleCompleted
                {
                    MerchantId = context.MerchantId,
                    ConnectorId = context.ConnectorId,
                    ExternalSaleId = saleId,
                    SourceEventId = eventId,
                    OccurredAt = request.ReceivedAt,
                    Customer = new CustomerIdentifiers { PosCustomerId = (string?)body["customerId"] },
                    Currency = "EUR",
                    Total = total,
                },
                cancellationToken);
            await context.Store.MarkSeenAsync(eventId, cancellationToken);
            return WebhookResponse.Accepted($"sale {saleId} accepted; read with {NewtonsoftSeen()}");
        }
    }
}
