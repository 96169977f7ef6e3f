using System.Text.Json;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// Parses the body of a Square webhook (after its signature was verified). The envelope is
/// <code>
/// { "merchant_id": "…", "type": "payment.updated", "event_id": "…", "created_at": "…",
///   "data": { "type": "payment", "id": "…", "object": { "payment": { "id": "…", "status": "COMPLETED", "order_id": "…", "location_id": "…", … } } } }
/// </code>
/// with <c>object.refund</c> for refund events and <c>object.order_created</c> / <c>object.order_updated</c>
/// (<c>order_id</c>, <c>state</c>, <c>version</c>, <c>location_id</c>) for order events. Errors name the field.
/// </summary>
internal static class SquareEventParser
{
    public static SquareEvent Parse(ReadOnlyMemory<byte> body)
    {
        using var document = SquareJson.Parse(body, "the body");
        var root = document.RootElement;
        SquareJson.RequireObject(root, "(body)");
        var eventId = SquareJson.RequiredId(root, "event_id", "event_id");
        var type = SquareJson.RequiredText(root, "type", "type", 100);
        return type switch
        {
            "payment.created" or "payment.updated" => ParsePayment(root, eventId, type),
            "order.created" or "order.updated" => ParseOrder(root, eventId, type, type == "order.created" ? "order_created" : "order_updated"),
            "refund.created" or "refund.updated" => ParseRefund(root, eventId, type),
            _ => new SquareEvent.Other(eventId, type),
        };
    }

    private static JsonElement Object(JsonElement root) =>
        SquareJson.RequiredObject(SquareJson.RequiredObject(root, "data", "data"), "object", "data.object");

    private static SquareEvent.Payment ParsePayment(JsonElement root, string eventId, string type)
    {
        const string path = "data.object.payment";
        var payment = SquareJson.RequiredObject(Object(root), "payment", path);
        return new SquareEvent.Payment(
            eventId,
            type,
            SquareJson.RequiredId(payment, "id", path + ".id"),
            SquareJson.RequiredText(payment, "status", path + ".status", 32),
            SquareJson.OptionalId(payment, "order_id", path + ".order_id"),
            SquareJson.OptionalId(payment, "location_id", path + ".location_id"),
            SquareJson.OptionalId(payment, "customer_id", path + ".customer_id"));
    }

    private static SquareEvent.Order ParseOrder(JsonElement root, string eventId, string type, string member)
    {
        var path = "data.object." + member;
        var order = SquareJson.RequiredObject(Object(root), member, path);
        return new SquareEvent.Order(
            eventId,
            type,
            SquareJson.RequiredId(order, "order_id", path + ".order_id"),
            SquareJson.OptionalText(order, "state", path + ".state", 32),
            SquareJson.OptionalInteger(order, "version", path + ".version"),
            SquareJson.OptionalId(order, "location_id", path + ".location_id"));
    }

    private static SquareEvent.Refund ParseRefund(JsonElement root, string eventId, string type)
    {
        const string path = "data.object.refund";
        var refund = SquareJson.RequiredObject(Object(root), "refund", path);
        var occurredAt = SquareJson.OptionalTimestamp(refund, "updated_at", path + ".updated_at")
            ?? SquareJson.OptionalTimestamp(refund, "created_at", path + ".created_at")
            ?? SquareJson.OptionalTimestamp(root, "created_at", "created_at")
            ?? throw new SquarePayloadException($"{path}.updated_at is required");
        return new SquareEvent.Refund(
            eventId,
            type,
            SquareJson.RequiredId(refund, "id", path + ".id"),
            SquareJson.RequiredText(refund, "status", path + ".status", 32),
            SquareJson.OptionalId(refund, "order_id", path + ".order_id"),
            SquareJson.OptionalId(refund, "location_id", path + ".location_id"),
            SquareJson.RequiredMoney(refund, "amount_money", path + ".amount_money"),
            occurredAt);
    }
}
