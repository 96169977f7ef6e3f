using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// The no-code JSON webhook connector. The merchant says where each sale field sits in their POS's JSON (paths and
/// a few safe conversions), how requests are authenticated and what identifies a delivery; presets do this for
/// Shopify, Zettle and Loyverse. No code or expression is ever evaluated.
/// </summary>
public sealed class JsonWebhookConnector : IPosConnector
{
    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("preset", SettingType.String, "A ready-made setup: none, shopify, zettle or loyverse. It fills in the mapping, signature and dedupe settings; any setting given here overrides the preset's.", defaultValue: Presets.None)
        .Define("mapping", SettingType.Json, "Where each sale field sits, as paths such as \"$.order.total\": saleId, occurredAt, total, currency (required), and locationId, customerId, customerEmail, customerPhone, loyaltyCardId, saleVersion, records, lineItems, discounts (one place or a list of places), refund, ignore (records that earn nothing, with a reason) and eventTypes (the fields that differ per event type). With a preset, only the fields that differ.")
        .Define("unwrap", SettingType.String, "A path whose value is a JSON text holding the real payload (Zettle's $.payload); the mapping then applies to that payload.")
        .Define("secret", SettingType.String, "The signing secret (HMAC) or shared token (bearer) from the POS's webhook settings; at least 16 characters.", secret: true)
        .Define("previousSecret", SettingType.String, "The old secret while a rotation is under way; requests signed with either are accepted.", secret: true)
        .Define("signatureAlgorithm", SettingType.String, "hmac-sha256 (default), hmac-sha1, bearer, or none (only together with allowUnsigned=true).")
        .Define("signatureHeader", SettingType.String, "The header carrying the signature or token (default X-Signature; Authorization for bearer).")
        .DefineChoice("signatureEncoding", "How the signature is written: hex (default), base64, or hex-or-base64 (either, told apart by length).", ["hex", "base64", "hex-or-base64"])
        .Define("signaturePrefix", SettingType.String, "Text before the signature in the header, e.g. sha256= (for bearer on Authorization: 'Bearer ').")
        .Define("signedContent", SettingType.String, "What is signed: {body} (default, the raw body), or a template such as {header:X-Timestamp}.{body} or {json:$.timestamp}.{json:$.payload}.")
        .Define("allowUnsigned", SettingType.Boolean, "Accept requests without any signature (signatureAlgorithm none). Only for endpoints reachable from a trusted network.", defaultValue: "false")
        .Define("eventIdHeader", SettingType.String, "The header whose value is the same on every retry of a delivery (e.g. X-Shopify-Webhook-Id); repeats are acknowledged and ignored.")
        .Define("eventIdPath", SettingType.String, "Instead of eventIdHeader: the path of the delivery's id in the body, e.g. $.messageId.")
        .Define("eventTypeHeader", SettingType.String, "The header naming the event type (e.g. X-Shopify-Topic); used with acceptEventTypes.")
        .Define("eventTypePath", SettingType.String, "Instead of eventTypeHeader: the path of the event type in the body, e.g. $.eventName.")
        .Define("acceptEventTypes", SettingType.List, "The event types that carry sales or refunds, e.g. [\"orders/paid\"]; other events are answered 200 and ignored so the POS stops sending them again.");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<SettingError>();
        JsonWebhookOptions.Resolve(settings, errors);
        return errors;
    }

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<SettingError>();
        var options = JsonWebhookOptions.Resolve(context.Settings, errors)
            ?? throw new ArgumentException("Invalid settings: " + string.Join("; ", errors), nameof(context));
        return new JsonWebhookTask(context, options);
    }
}
