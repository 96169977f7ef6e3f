namespace SevenStamp.Connectors.Host.Webhooks;

/// <summary>How the host takes webhooks in: the server's own limit on request bodies.</summary>
internal static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Bounds every request body at the server by <see cref="WebhookOptions.MaxBodyBytes"/>, so that no endpoint reads
    /// more than a webhook may carry (the webhook endpoint answers 413 past it before any parsing).
    /// </summary>
    public static WebApplicationBuilder AddWebhookIngress(this WebApplicationBuilder builder, WebhookOptions webhooks)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = webhooks.MaxBodyBytes);
        return builder;
    }
}
