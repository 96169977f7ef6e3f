using System.Globalization;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Webhook;

/// <summary>
/// Parses the SevenStamp event format (version 1):
/// <code>
/// { "eventId": "evt-1", "type": "sale.completed",
///   "sale": { "id": "S-1001", "version": 1, "occurredAt": "2026-11-23T09:30:00Z", "locationId": "store-1",
///             "customer": { "id": "c-42", "loyaltyCardId": null, "email": "…", "phone": "…" },
///             "currency": "EUR", "total": 5.60,
///             "lineItems": [ { "sku": "ESP-01", "catalogObjectId": null, "name": "Espresso", "category": "Coffee", "quantity": 2, "unitPrice": 2.80 } ],
///             "discounts": [ { "code": "FREE-7K2P", "name": "Free coffee", "catalogObjectId": null, "amount": 2.80 } ] } }
/// { "eventId": "evt-2", "type": "sale.refunded",
///   "refund": { "id": "R-1", "saleId": "S-1001", "occurredAt": "…", "currency": "EUR", "amount": 2.80, "full": false } }
/// </code>
/// Email and phone are hashed here and never leave the parser in clear text. Every error names the field.
/// </summary>
internal static class SevenStampEventParser
{
    public const int MaxDepth = 64;
    private const int MaxIdLength = 200;
    private const int MaxTextLength = 500;
    private const int MaxLineItems = 1000;
    private const int MaxDiscounts = 100;
    private const decimal MaxAmount = 1_000_000_000m;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    public static SevenStampEvent Parse(ReadOnlySpan<byte> body, string merchantId, string connectorId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), Options);
        }
        catch (JsonException ex)
        {
            throw new PayloadException($"the body is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}); send one JSON object in UTF-8");
        }

        using (document)
        {
            var root = document.RootElement;
            RequireObject(root, "(body)");
            var eventId = RequiredId(root, "eventId", "eventId");
            var type = RequiredText(root, "type", "type", MaxIdLength);
            return type switch
            {
                "sale.completed" => new SevenStampEvent.Sale(eventId, ParseSale(RequiredObject(root, "sale", "sale"), eventId, merchantId, connectorId)),
                "sale.refunded" => new SevenStampEvent.Refund(eventId, ParseRefund(RequiredObject(root, "refund", "refund"), eventId, merchantId, connectorId)),
                _ => new SevenStampEvent.Other(eventId, type),
            };
        }
    }

    private static SaleCompleted ParseSale(JsonElement sale, string eventId, string merchantId, string connectorId)
    {
        var customer = OptionalObject(sale, "customer", "sale.customer");
        return new SaleCompleted
        {
            MerchantId = merchantId,
            ConnectorId = connectorId,
            ExternalSaleId = RequiredId(sale, "id", "sale.id"),
            ExternalSaleVersion = OptionalInteger(sale, "version", "sale.version"),
            SourceEventId = eventId,
            OccurredAt = RequiredTimestamp(sale, "occurredAt", "sale.occurredAt"),
            LocationId = OptionalText(sale, "locationId", "sale.locationId", MaxIdLength),
            Customer = customer is { } c
                ? new CustomerIdentifiers
                {
                    PosCustomerId = OptionalText(c, "id", "sale.customer.id", MaxIdLength),
                    LoyaltyCardId = OptionalText(c, "loyaltyCardId", "sale.customer.loyaltyCardId", MaxIdLength),
                    EmailHash = CustomerHash.Email(OptionalText(c, "email", "sale.customer.email", MaxTextLength)),
                    PhoneHash = CustomerHash.Phone(OptionalText(c, "phone", "sale.customer.phone", MaxTextLength)),
                }
                : CustomerIdentifiers.None,
            Currency = RequiredCurrency(sale, "currency", "sale.currency"),
            Total = RequiredAmount(sale, "total", "sale.total", allowZero: true),
            LineItems = OptionalArray(sale, "lineItems", "sale.lineItems", MaxLineItems, (item, path) => new SaleLineItem
            {
                Sku = OptionalText(item, "sku", path + ".sku", MaxIdLength),
                CatalogObjectId = OptionalText(item, "catalogObjectId", path + ".catalogObjectId", MaxIdLength),
                Name = RequiredText(item, "name", path + ".name", MaxTextLength),
                Category = OptionalText(item, "category", path + ".category", MaxTextLength),
                Quantity = RequiredAmount(item, "quantity", path + ".quantity", allowZero: false),
                UnitPrice = RequiredAmount(item, "unitPrice", path + ".unitPrice", allowZero: true),
            }),
            Discounts = OptionalArray(sale, "discounts", "sale.discounts", MaxDiscounts, (discount, path) => new AppliedDiscount
            {
                Code = OptionalText(discount, "code", path + ".code", MaxIdLength),
                Name = OptionalText(discount, "name", path + ".name", MaxTextLength),
                CatalogObjectId = OptionalText(discount, "catalogObjectId", path + ".catalogObjectId", MaxIdLength),
                Amount = RequiredAmount(discount, "amount", path + ".amount", allowZero: true),
            }),
        };
    }

    private static SaleRefunded ParseRefund(JsonElement refund, string eventId, string merchantId, string connectorId) => new()
    {
        MerchantId = merchantId,
        ConnectorId = connectorId,
        ExternalRefundId = RequiredId(refund, "id", "refund.id"),
        ExternalSaleId = RequiredId(refund, "saleId", "refund.saleId"),
        SourceEventId = eventId,
        OccurredAt = RequiredTimestamp(refund, "occurredAt", "refund.occurredAt"),
        Currency = RequiredCurrency(refund, "currency", "refund.currency"),
        Amount = RequiredAmount(refund, "amount", "refund.amount", allowZero: false),
        IsFullRefund = RequiredBoolean(refund, "full", "refund.full"),
    };

    private static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PayloadException($"{path} must be a JSON object");
        }
    }

    private static JsonElement RequiredObject(JsonElement parent, string name, string path) =>
        OptionalObject(parent, name, path) ?? throw new PayloadException($"{path} is required");

    private static JsonElement? OptionalObject(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        RequireObject(value, path);
        return value;
    }

    private static IReadOnlyList<T> OptionalArray<T>(JsonElement parent, string name, string path, int maxItems, Func<JsonElement, string, T> read)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new PayloadException($"{path} must be an array");
        }

        if (value.GetArrayLength() > maxItems)
        {
            throw new PayloadException($"{path} has more than {maxItems} entries");
        }

        var result = new List<T>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{index++}]";
            RequireObject(item, itemPath);
            result.Add(read(item, itemPath));
        }

        return result;
    }

    private static string? OptionalText(JsonElement parent, string name, string path, int maxLength)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PayloadException($"{path} must be a string");
        }

        var text = TextOf(value, path).Trim();
        if (text.Length > maxLength)
        {
            throw new PayloadException($"{path} is longer than {maxLength} characters");
        }

        if (text.Any(char.IsControl))
        {
            throw new PayloadException($"{path} contains control characters (line breaks, tabs); remove them");
        }

        return text.Length == 0 ? null : text;
    }

    /// <summary>
    /// The text of a JSON string. The parser accepts a lone surrogate escape (<c>"\ud800"</c>) and bytes that are not
    /// UTF-8 inside a string; GetString then throws InvalidOperationException, which the host would answer 500 and
    /// count against the connector's circuit. Such a value is refused naming its field instead.
    /// </summary>
    private static string TextOf(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new PayloadException($"{path} is not valid text: it holds a lone surrogate (such as \\ud800) or bytes that are not UTF-8; send text as UTF-8");
        }
    }

    private static string RequiredText(JsonElement parent, string name, string path, int maxLength) =>
        OptionalText(parent, name, path, maxLength) ?? throw new PayloadException($"{path} is required");

    private static string RequiredId(JsonElement parent, string name, string path) => RequiredText(parent, name, path, MaxIdLength);

    private static long? OptionalInteger(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0
            ? number
            : throw new PayloadException($"{path} must be a whole number ≥ 0");
    }

    private static decimal RequiredAmount(JsonElement parent, string name, string path, bool allowZero)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PayloadException($"{path} is required");
        }

        var range = $"{path} must be {(allowZero ? "≥ 0" : "> 0")} and at most {MaxAmount}";
        var amount = 0m;
        if (value.ValueKind == JsonValueKind.Number)
        {
            // A JSON number too large for decimal is out of range, not malformed.
            if (!value.TryGetDecimal(out amount))
            {
                throw new PayloadException(range);
            }
        }
        else if (value.ValueKind != JsonValueKind.String
            || !decimal.TryParse(TextOf(value, path), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount))
        {
            throw new PayloadException($"{path} must be a number in major currency units with '.' as decimal separator, e.g. 12.50");
        }

        if (amount < 0 || (!allowZero && amount == 0) || amount > MaxAmount)
        {
            throw new PayloadException(range);
        }

        return amount;
    }

    private static bool RequiredBoolean(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new PayloadException($"{path} is required and must be true or false");

    private static DateTimeOffset RequiredTimestamp(JsonElement parent, string name, string path)
    {
        var text = RequiredText(parent, name, path, 64);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) && (text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > 9)
            ? value
            : throw new PayloadException($"{path} must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-23T09:30:00Z");
    }

    private static string RequiredCurrency(JsonElement parent, string name, string path)
    {
        var text = RequiredText(parent, name, path, MaxIdLength);
        return text.Length == 3 && text.All(char.IsAsciiLetterUpper)
            ? text
            : throw new PayloadException($"{path} must be a three-letter ISO 4217 code in capitals, e.g. EUR");
    }
}
