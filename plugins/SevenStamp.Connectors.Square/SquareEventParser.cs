using System.Text.Json;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// Parses the body of a Square webhook (after its signature was verified). The envelope is
/// <code>
/// { "merchant_id": "…", "type": "payment.updated", "event_id": "…", "created_at": "…",
///   "data": { "type": "payment", "id": "…", "object": { "payment": { "id": "…", "status": "COMPLETED", "order_id": "…", "location_id": "…", … } } } }
/// </code>
/// with <c>object.refund</c> for refund events and <c>object.order_created</c> / <c>object.order_updated</c>
/// (<c>order_id</c>, <c>state</c>, <c>version</c>, <c>location_id</c>) for order events.
/// </summary>
/// <remarks>
/// Square retries a delivery that is not answered 2xx and disables an endpoint that keeps failing, so authentic JSON
/// that is no sale event (no <c>event_id</c>, no <c>type</c>, an unknown type, a known type whose <c>data</c> or
/// object is missing) becomes <see cref="SquareEvent.NotActedOn"/> or <see cref="SquareEvent.Other"/>, answered 200
/// ignored. A body that is not JSON at all, a field of a payment, order or refund object in the wrong shape, and text
/// that is not text are <see cref="SquarePayloadException"/>s naming the field (400).
/// </remarks>
internal static class SquareEventParser
{
    public static SquareEvent Parse(ReadOnlyMemory<byte> body)
    {
        using var document = SquareJson.Parse(body, "the body");
        var root = document.RootElement;
        SquareJson.RequireText(root, "(body)");
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new SquareEvent.NotActedOn(null, "(none)", $"the body is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not a Square event; acknowledged and ignored");
        }

        if (!root.TryGetProperty("event_id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            return new SquareEvent.NotActedOn(null, "(none)", "the body has no event_id, so it is no Square event notification (Square's v1 webhooks and their test notification carry none); acknowledged and ignored");
        }

        var eventId = SquareJson.OptionalId(root, "event_id", "event_id");
        if (eventId is null)
        {
            return new SquareEvent.NotActedOn(null, "(none)", "the body's event_id is empty; acknowledged and ignored");
        }

        var type = root.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? SquareJson.OptionalText(root, "type", "type", 100)
            : null;
        if (type is null)
        {
            return new SquareEvent.NotActedOn(eventId, "(none)", $"event {eventId} has no type; acknowledged and ignored");
        }

        // The object each event type carries its fields in.
        var member = type switch
        {
            "payment.created" or "payment.updated" => "payment",
            "order.created" => "order_created",
            "order.updated" => "order_updated",
            "refund.created" or "refund.updated" => "refund",
            _ => null,
        };
        if (member is null)
        {
            return new SquareEvent.Other(eventId, type);
        }

        if (Object(root, member) is not { } value)
        {
            return Missing(root, eventId, type, member);
        }

        return member switch
        {
            "payment" => ParsePayment(value, eventId, type),
            "refund" => ParseRefund(root, value, eventId, type),
            _ => ParseOrder(value, eventId, type, member),
        };
    }

    /// <summary><c>data.object.{member}</c>, or null when it or an object above it is missing or not an object.</summary>
    private static JsonElement? Object(JsonElement root, string member) =>
        root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("object", out var container) && container.ValueKind == JsonValueKind.Object
        && container.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : null;

    /// <summary>Which part of <c>data.object.{member}</c> is missing, for the answer.</summary>
    private static SquareEvent.NotActedOn Missing(JsonElement root, string eventId, string type, string member)
    {
        var missing = !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object ? "data"
            : !data.TryGetProperty("object", out var container) || container.ValueKind != JsonValueKind.Object ? "data.object"
            : "data.object." + member;
        return new SquareEvent.NotActedOn(eventId, type, $"{type} event {eventId} has no {missing} object, so nothing to act on; acknowledged and ignored");
    }

    private static SquareEvent.Payment ParsePayment(JsonElement payment, string eventId, string type)
    {
        const string path = "data.object.payment";
        return new SquareEvent.Payment(
            eventId,
            type,
            SquareJson.RequiredId(payment, "id", path + ".id"),
            SquareJson.RequiredText(payment, "status", path + ".status", 32),
            SquareJson.OptionalId(payment, "order_id", path + ".order_id"),
            SquareJson.OptionalId(payment, "location_id", path + ".location_id"),
            SquareJson.OptionalId(payment, "customer_id", path + ".customer_id"));
    }

    private static SquareEvent.Order ParseOrder(JsonElement order, string eventId, string type, string member)
    {
        var path = "data.object." + member;
        return new SquareEvent.Order(
            eventId,
            type,
            SquareJson.RequiredId(order, "order_id", path + ".order_id"),
            SquareJson.OptionalText(order, "state", path + ".state", 32),
            SquareJson.OptionalInteger(order, "version", path + ".version"),
            SquareJson.OptionalId(order, "location_id", path + ".location_id"));
    }

    private static SquareEvent.Refund ParseRefund(JsonElement root, JsonElement refund, string eventId, string type)
    {
        const string path = "data.object.refund";
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
