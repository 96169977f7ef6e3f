using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace Company.PosConnector1;

/// <summary>
/// Maps the point of sale's webhook body to a <see cref="SaleCompleted"/>. Change this to your POS's format:
/// <code>
/// { "eventId": "evt-1001", "type": "sale.completed",
///   "sale": { "id": "S-1001", "completedAt": "2026-11-23T09:30:00Z", "customerId": "c-42", "email": "ana@example.com",
///             "currency": "EUR", "total": 5.60,
///             "lines": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 2, "unitPrice": 2.80 } ],
///             "discountCodes": [ "FREE-7K2P" ] } }
/// </code>
/// Every error names the field at fault. Ids go through <see cref="CheckoutText"/> (the host applies the same rule),
/// contact data is hashed with <see cref="CustomerHash"/> and never kept in clear text.
/// </summary>
internal static class PosEventParser
{
    private const int MaxLines = 500;
    private const int MaxDiscountCodes = 50;
    private const decimal MaxAmount = 1_000_000_000m;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowDuplicateProperties = false };

    public static PosEvent Parse(ReadOnlySpan<byte> body, string merchantId, string connectorId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), Options);
        }
        catch (JsonException ex)
        {
            throw new PosPayloadException($"the body is not valid JSON (line {ex.LineNumber + 1}); send one JSON object in UTF-8");
        }

        using (document)
        {
            var root = RequireObject(document.RootElement, "(body)");
            var eventId = RequiredId(root, "eventId", "eventId");
            var type = RequiredText(root, "type", "type");
            if (type != "sale.completed")
            {
                return new PosEvent(eventId, type, null);
            }

            var sale = RequireObject(Required(root, "sale", "sale"), "sale");
            var customerId = OptionalId(sale, "customerId", "sale.customerId");
            var email = OptionalText(sale, "email", "sale.email");
            return new PosEvent(eventId, type, new SaleCompleted
            {
                MerchantId = merchantId,
                ConnectorId = connectorId,
                ExternalSaleId = RequiredId(sale, "id", "sale.id"),
                SourceEventId = eventId,
                OccurredAt = RequiredTimestamp(sale, "completedAt", "sale.completedAt"),
                Customer = customerId is null && email is null
                    ? CustomerIdentifiers.None
                    : new CustomerIdentifiers { PosCustomerId = customerId, EmailHash = CustomerHash.Email(email) },
                Currency = RequiredCurrency(sale, "currency", "sale.currency"),
                Total = RequiredAmount(sale, "total", "sale.total", allowZero: true),
                LineItems = OptionalArray(sale, "lines", "sale.lines", MaxLines, (element, path) =>
                {
                    var line = RequireObject(element, path);
                    return new SaleLineItem
                    {
                        Sku = OptionalId(line, "sku", path + ".sku"),
                        Name = RequiredText(line, "name", path + ".name"),
                        Quantity = RequiredAmount(line, "quantity", path + ".quantity", allowZero: false),
                        UnitPrice = RequiredAmount(line, "unitPrice", path + ".unitPrice", allowZero: true),
                    };
                }),
                Discounts = OptionalArray(sale, "discountCodes", "sale.discountCodes", MaxDiscountCodes, (code, path) => new AppliedDiscount
                {
                    Code = Identifier(String(code, path), path) ?? throw new PosPayloadException($"{path} is empty"),
                }),
            });
        }
    }

    private static JsonElement RequireObject(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Object ? element : throw new PosPayloadException($"{path} must be a JSON object");

    private static JsonElement Required(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : throw new PosPayloadException($"{path} is missing");

    private static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A JSON string as .NET text; refuses a string that is not text (bytes that are not UTF-8, a lone surrogate).</summary>
    private static string String(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw new PosPayloadException($"{path} must be a string");
        }

        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new PosPayloadException($"{path} is not valid text; send UTF-8");
        }
    }

    private static string? Identifier(string value, string path) =>
        CheckoutText.TryNormalizeIdentifier(value, out var normalized, out var problem)
            ? normalized.Length == 0 ? null : normalized
            : throw new PosPayloadException($"{path} {problem}");

    private static string RequiredId(JsonElement parent, string name, string path) =>
        Identifier(String(Required(parent, name, path), path), path) ?? throw new PosPayloadException($"{path} is empty");

    private static string? OptionalId(JsonElement parent, string name, string path) =>
        Optional(parent, name) is { } value ? Identifier(String(value, path), path) : null;

    private static string RequiredText(JsonElement parent, string name, string path) =>
        OptionalText(parent, name, path) ?? throw new PosPayloadException($"{path} is missing");

    private static string? OptionalText(JsonElement parent, string name, string path)
    {
        if (Optional(parent, name) is not { } value)
        {
            return null;
        }

        if (!CheckoutText.TryNormalizeText(String(value, path), out var text, out var problem))
        {
            throw new PosPayloadException($"{path} {problem}");
        }

        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static DateTimeOffset RequiredTimestamp(JsonElement parent, string name, string path) =>
        Required(parent, name, path) is { ValueKind: JsonValueKind.String } value && value.TryGetDateTimeOffset(out var timestamp)
            ? timestamp
            : throw new PosPayloadException($"{path} must be an ISO 8601 timestamp with an offset, e.g. 2026-11-23T09:30:00Z");

    private static string RequiredCurrency(JsonElement parent, string name, string path)
    {
        var currency = String(Required(parent, name, path), path);
        return currency.Length == 3 && currency.All(char.IsAsciiLetterUpper)
            ? currency
            : throw new PosPayloadException($"{path} must be an ISO 4217 code of three capital letters, e.g. EUR");
    }

    private static decimal RequiredAmount(JsonElement parent, string name, string path, bool allowZero)
    {
        var value = Required(parent, name, path);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var amount))
        {
            throw new PosPayloadException($"{path} must be a number");
        }

        return amount > MaxAmount || amount < 0 || (amount == 0 && !allowZero)
            ? throw new PosPayloadException($"{path} must be {(allowZero ? "zero or more" : "more than zero")} and at most {MaxAmount}")
            : amount;
    }

    private static List<T> OptionalArray<T>(JsonElement parent, string name, string path, int maxCount, Func<JsonElement, string, T> map)
    {
        if (Optional(parent, name) is not { } array)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new PosPayloadException($"{path} must be an array");
        }

        if (array.GetArrayLength() > maxCount)
        {
            throw new PosPayloadException($"{path} has more than {maxCount} entries");
        }

        return [.. array.EnumerateArray().Select((element, index) => map(element, $"{path}[{index}]"))];
    }
}
