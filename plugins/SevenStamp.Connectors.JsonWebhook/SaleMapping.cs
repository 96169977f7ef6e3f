using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// A compiled field mapping: where each <see cref="SaleCompleted"/> (and <see cref="SaleRefunded"/>) field sits in
/// the POS's JSON. Built once from the <c>mapping</c> setting; applied to every record of every webhook.
/// </summary>
internal sealed class SaleMapping
{
    public const int MaxLineItems = 1000;
    public const int MaxDiscounts = 100;
    public const decimal MaxAmount = 1_000_000_000m;
    public const decimal MaxQuantity = 1_000_000m;
    private const int MaxIdLength = 200;

    /// <summary>The top-level fields of a mapping, for messages and documentation.</summary>
    public static readonly string[] Fields =
    [
        "records", "saleId", "saleVersion", "occurredAt", "total", "currency", "locationId",
        "customerId", "customerEmail", "customerPhone", "loyaltyCardId", "lineItems", "discounts", "refund",
    ];

    private static readonly string[] Required = ["saleId", "occurredAt", "total", "currency"];
    private static readonly string[] LineItemFields = ["path", "sku", "name", "quantity", "unitPrice", "category", "catalogObjectId"];
    private static readonly string[] DiscountFields = ["path", "code", "name", "amount", "catalogObjectId"];

    private SaleMapping()
    {
    }

    public JsonPath? Records { get; init; }

    public required FieldSpec SaleId { get; init; }

    public FieldSpec? SaleVersion { get; init; }

    public required FieldSpec OccurredAt { get; init; }

    public required FieldSpec Total { get; init; }

    public required FieldSpec Currency { get; init; }

    public FieldSpec? LocationId { get; init; }

    public FieldSpec? CustomerId { get; init; }

    public FieldSpec? CustomerEmail { get; init; }

    public FieldSpec? CustomerPhone { get; init; }

    public FieldSpec? LoyaltyCardId { get; init; }

    public ArrayMapping? LineItems { get; init; }

    public ArrayMapping? Discounts { get; init; }

    public RefundMapping? Refund { get; init; }

    /// <summary>Compiles <paramref name="mapping"/>; returns null and adds errors naming <c>mapping.{field}</c> when it is unusable.</summary>
    public static SaleMapping? Compile(JsonElement mapping, List<(string Field, string Message)> errors)
    {
        if (mapping.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("mapping", "must be a JSON object such as { \"saleId\": \"$.id\", \"occurredAt\": \"$.created_at\", \"total\": \"$.total\", \"currency\": \"$.currency\" }"));
            return null;
        }

        var before = errors.Count;
        var given = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in mapping.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add(("mapping." + JsonPath.Describe(property.Name), $"is not a mapping field; the fields are: {string.Join(", ", Fields)}"));
                continue;
            }

            given[property.Name] = property.Value;
        }

        foreach (var name in Required.Where(n => !given.ContainsKey(n)))
        {
            errors.Add(("mapping." + name, name == "currency"
                ? "is required: the path of the sale's currency, or a fixed currency such as { \"value\": \"EUR\" } when the POS does not send one"
                : $"is required: the path where the sale's {name} sits, e.g. \"$.{name}\""));
        }

        FieldSpec? Field(string name, FieldKind kind) => given.TryGetValue(name, out var e) ? FieldSpec.Compile(name, kind, e, errors) : null;

        JsonPath? records = null;
        if (given.TryGetValue("records", out var recordsElement))
        {
            records = recordsElement.ValueKind == JsonValueKind.String ? JsonPath.TryParse(recordsElement.GetString(), out var problem) is { } p ? p : Add(errors, "mapping.records", "path " + problem) : Add(errors, "mapping.records", "must be a path such as \"$.receipts[*]\"");
        }

        var result = new SaleMapping
        {
            Records = records,
            SaleId = Field("saleId", FieldKind.Text)!,
            SaleVersion = Field("saleVersion", FieldKind.Integer),
            OccurredAt = Field("occurredAt", FieldKind.Time)!,
            Total = Field("total", FieldKind.Amount)!,
            Currency = Field("currency", FieldKind.Text)!,
            LocationId = Field("locationId", FieldKind.Text),
            CustomerId = Field("customerId", FieldKind.Text),
            CustomerEmail = Field("customerEmail", FieldKind.Text),
            CustomerPhone = Field("customerPhone", FieldKind.Text),
            LoyaltyCardId = Field("loyaltyCardId", FieldKind.Text),
            LineItems = given.TryGetValue("lineItems", out var lines)
                ? ArrayMapping.Compile("lineItems", lines, LineItemFields, ["name", "quantity", "unitPrice"], errors)
                : null,
            Discounts = given.TryGetValue("discounts", out var discounts)
                ? ArrayMapping.Compile("discounts", discounts, DiscountFields, [], errors)
                : null,
            Refund = given.TryGetValue("refund", out var refundElement) ? RefundMapping.Compile(refundElement, errors) : null,
        };

        return errors.Count == before ? result : null;
    }

    private static JsonPath? Add(List<(string Field, string Message)> errors, string field, string message)
    {
        errors.Add((field, message));
        return null;
    }

    /// <summary>Maps one record to a sale or a refund. Throws <see cref="MappingException"/> naming the field at fault.</summary>
    public object Map(JsonElement record, string merchantId, string connectorId, string? eventId)
    {
        var currency = ReadCurrency(Currency, record);
        if (Refund is { } refund && refund.When.Matches(record))
        {
            var amount = Require(refund.Amount ?? Total, refund.Amount?.ReadAmount(record, currency) ?? Total.ReadAmount(record, currency));
            return new SaleRefunded
            {
                MerchantId = merchantId,
                ConnectorId = connectorId,
                ExternalRefundId = RequireId(refund.RefundId ?? SaleId, record),
                ExternalSaleId = RequireId(refund.SaleId, record),
                SourceEventId = eventId,
                OccurredAt = Require(refund.OccurredAt ?? OccurredAt, (refund.OccurredAt ?? OccurredAt).ReadTime(record)),
                Currency = currency,
                Amount = CheckAmount(refund.Amount ?? Total, Math.Abs(amount), allowZero: false),
                IsFullRefund = refund.Full?.Matches(record) ?? false,
            };
        }

        return new SaleCompleted
        {
            MerchantId = merchantId,
            ConnectorId = connectorId,
            ExternalSaleId = RequireId(SaleId, record),
            ExternalSaleVersion = SaleVersion?.ReadInteger(record),
            SourceEventId = eventId,
            OccurredAt = Require(OccurredAt, OccurredAt.ReadTime(record)),
            LocationId = LocationId?.ReadText(record, MaxIdLength),
            Customer = new CustomerIdentifiers
            {
                PosCustomerId = CustomerId?.ReadText(record, MaxIdLength),
                LoyaltyCardId = LoyaltyCardId?.ReadText(record, MaxIdLength),
                EmailHash = CustomerHash.Email(CustomerEmail?.ReadText(record)),
                PhoneHash = CustomerHash.Phone(CustomerPhone?.ReadText(record)),
            },
            Currency = currency,
            Total = CheckAmount(Total, Require(Total, Total.ReadAmount(record, currency)), allowZero: true),
            LineItems = LineItems?.Map(record, MaxLineItems, (item, at) => new SaleLineItem
            {
                Sku = at("sku")?.ReadText(item, MaxIdLength),
                CatalogObjectId = at("catalogObjectId")?.ReadText(item, MaxIdLength),
                Name = Require(at("name")!, at("name")!.ReadText(item)),
                Category = at("category")?.ReadText(item),
                Quantity = CheckQuantity(at("quantity")!, Require(at("quantity")!, at("quantity")!.ReadAmount(item, currency))),
                UnitPrice = CheckAmount(at("unitPrice")!, Require(at("unitPrice")!, at("unitPrice")!.ReadAmount(item, currency)), allowZero: true),
            }) ?? [],
            Discounts = Discounts?.Map(record, MaxDiscounts, (item, at) => new AppliedDiscount
            {
                Code = at("code")?.ReadText(item, MaxIdLength),
                Name = at("name")?.ReadText(item),
                CatalogObjectId = at("catalogObjectId")?.ReadText(item, MaxIdLength),
                Amount = at("amount") is { } amount ? CheckAmount(amount, Math.Abs(amount.ReadAmount(item, currency) ?? 0m), allowZero: true) : 0m,
            }).Where(d => d.Code is not null || d.Name is not null || d.CatalogObjectId is not null).ToList() ?? [],
        };
    }

    private static string ReadCurrency(FieldSpec spec, JsonElement record)
    {
        var text = Require(spec, spec.ReadText(record, 10))!.ToUpperInvariant();
        return text.Length == 3 && text.All(char.IsAsciiLetterUpper)
            ? text
            : throw new MappingException(spec.Where, "must be a three-letter ISO 4217 currency code, e.g. EUR");
    }

    private static string RequireId(FieldSpec spec, JsonElement record) => Require(spec, spec.ReadText(record, MaxIdLength));

    private static T Require<T>(FieldSpec spec, T? value)
        where T : class =>
        value ?? throw new MappingException(spec.Where, "matched nothing in the body; it is required (check the path in mapping." + spec.Name + ")");

    private static T Require<T>(FieldSpec spec, T? value)
        where T : struct =>
        value ?? throw new MappingException(spec.Where, "matched nothing in the body; it is required (check the path in mapping." + spec.Name + ")");

    private static decimal CheckAmount(FieldSpec spec, decimal amount, bool allowZero)
    {
        if (amount < 0)
        {
            throw new MappingException(spec.Where, "is negative; a sale's amounts must be ≥ 0 (map refunds with mapping.refund)");
        }

        if ((!allowZero && amount == 0) || amount > MaxAmount)
        {
            throw new MappingException(spec.Where, $"must be {(allowZero ? "≥ 0" : "> 0")} and at most {MaxAmount}; check the path and its conversion (minor-units?)");
        }

        return amount;
    }

    private static decimal CheckQuantity(FieldSpec spec, decimal quantity) =>
        quantity is > 0 and <= MaxQuantity ? quantity : throw new MappingException(spec.Where, $"must be > 0 and at most {MaxQuantity}");
}

/// <summary>An array of sub-records (line items, discounts): the path of the array's elements and relative field paths.</summary>
internal sealed class ArrayMapping
{
    private readonly Dictionary<string, FieldSpec> _fields;

    private ArrayMapping(string name, JsonPath path, Dictionary<string, FieldSpec> fields)
    {
        Name = name;
        Path = path;
        _fields = fields;
    }

    public string Name { get; }

    public JsonPath Path { get; }

    public static ArrayMapping? Compile(string name, JsonElement element, string[] allowed, string[] required, List<(string Field, string Message)> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("mapping." + name, $"must be an object with \"path\" (the array's elements, e.g. \"$.{name}[*]\") and paths relative to one element, e.g. {{ \"path\": \"$.line_items[*]\", \"name\": \"$.title\" }}"));
            return null;
        }

        var before = errors.Count;
        JsonPath? path = null;
        var fields = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var field = $"mapping.{name}.{JsonPath.Describe(property.Name)}";
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add((field, $"is not a field of {name}; its fields are: {string.Join(", ", allowed)}"));
            }
            else if (property.Name == "path")
            {
                path = property.Value.ValueKind == JsonValueKind.String ? JsonPath.TryParse(property.Value.GetString(), out var problem) : null;
                if (path is null)
                {
                    errors.Add((field, "must be the path of the array's elements, e.g. \"$.items[*]\""));
                }
            }
            else
            {
                var kind = property.Name is "quantity" or "unitPrice" or "amount" ? FieldKind.Amount : FieldKind.Text;
                if (FieldSpec.Compile($"{name}.{property.Name}", kind, property.Value, errors) is { } spec)
                {
                    fields[property.Name] = spec;
                }
            }
        }

        if (!element.TryGetProperty("path", out _))
        {
            errors.Add(($"mapping.{name}.path", $"is required: the path of the array's elements, e.g. \"$.{name}[*]\""));
        }

        foreach (var missing in required.Where(r => !element.TryGetProperty(r, out _)))
        {
            errors.Add(($"mapping.{name}.{missing}", "is required: its path relative to one element, e.g. \"$." + missing + "\""));
        }

        return errors.Count == before && path is not null ? new ArrayMapping(name, path, fields) : null;
    }

    public List<T> Map<T>(JsonElement record, int maxItems, Func<JsonElement, Func<string, FieldSpec?>, T> read)
    {
        var result = new List<T>();
        foreach (var item in Path.SelectAll(record))
        {
            if (result.Count == maxItems)
            {
                throw new MappingException($"{Name} ({JsonPath.Describe(Path.Text)})", $"has more than {maxItems} entries");
            }

            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new MappingException($"{Name} ({JsonPath.Describe(Path.Text)})", $"entry {result.Count} is a JSON {item.ValueKind.ToString().ToLowerInvariant()}; each entry must be an object");
            }

            try
            {
                result.Add(read(item, f => _fields.GetValueOrDefault(f)));
            }
            catch (MappingException ex)
            {
                throw new MappingException($"{Name}[{result.Count}]:", ex.Message);
            }
        }

        return result;
    }
}

/// <summary>A test on a record: the value at a path equals one of the given texts (true/false/numbers as written in JSON).</summary>
internal sealed class Condition
{
    private Condition(JsonPath path, string[] values)
    {
        Path = path;
        Values = values;
    }

    public JsonPath Path { get; }

    public string[] Values { get; }

    public static Condition? Compile(string field, JsonElement element, List<(string Field, string Message)> errors)
    {
        const string Shape = "must be { \"path\": \"$.receipt_type\", \"equals\": \"REFUND\" } (equals may be a list of texts)";
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("path", out var pathElement) || pathElement.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("equals", out var equals) || element.EnumerateObject().Count() != 2)
        {
            errors.Add((field, Shape));
            return null;
        }

        string[]? values = equals.ValueKind switch
        {
            JsonValueKind.String => [equals.GetString()!],
            JsonValueKind.True => ["true"],
            JsonValueKind.False => ["false"],
            JsonValueKind.Number => [equals.GetRawText()],
            JsonValueKind.Array when equals.GetArrayLength() > 0 && equals.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. equals.EnumerateArray().Select(e => e.GetString()!)],
            _ => null,
        };
        if (values is null)
        {
            errors.Add((field, Shape));
            return null;
        }

        var path = JsonPath.TryParse(pathElement.GetString(), out var problem);
        if (path is null)
        {
            errors.Add((field, "path " + problem));
            return null;
        }

        return new Condition(path, values);
    }

    public bool Matches(JsonElement record)
    {
        var value = Path.SelectOne(record);
        var text = value switch
        {
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
            _ => null,
        };
        return text is not null && Values.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase);
    }
}

/// <summary>How a record is recognised as a refund, and where the refund's fields sit.</summary>
internal sealed class RefundMapping
{
    public required Condition When { get; init; }

    public FieldSpec? RefundId { get; init; }

    public required FieldSpec SaleId { get; init; }

    public FieldSpec? Amount { get; init; }

    public FieldSpec? OccurredAt { get; init; }

    public Condition? Full { get; init; }

    public static RefundMapping? Compile(JsonElement element, List<(string Field, string Message)> errors)
    {
        const string Shape = "must be an object such as { \"when\": { \"path\": \"$.receipt_type\", \"equals\": \"REFUND\" }, \"saleId\": \"$.refund_for\" }";
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("mapping.refund", Shape));
            return null;
        }

        var before = errors.Count;
        foreach (var property in element.EnumerateObject().Where(p => !new[] { "when", "refundId", "saleId", "amount", "occurredAt", "full" }.Contains(p.Name, StringComparer.Ordinal)))
        {
            errors.Add(("mapping.refund." + JsonPath.Describe(property.Name), "is not a refund field; its fields are: when, refundId, saleId, amount, occurredAt, full"));
        }

        if (!element.TryGetProperty("when", out var when))
        {
            errors.Add(("mapping.refund.when", "is required: the field and value that mark a record as a refund, e.g. { \"path\": \"$.receipt_type\", \"equals\": \"REFUND\" }"));
        }

        if (!element.TryGetProperty("saleId", out var saleId))
        {
            errors.Add(("mapping.refund.saleId", "is required: where the refunded sale's id sits, e.g. \"$.refund_for\""));
        }

        FieldSpec? Field(string name, FieldKind kind) => element.TryGetProperty(name, out var e) ? FieldSpec.Compile("refund." + name, kind, e, errors) : null;
        var result = new
        {
            When = when.ValueKind == JsonValueKind.Undefined ? null : Condition.Compile("mapping.refund.when", when, errors),
            SaleId = saleId.ValueKind == JsonValueKind.Undefined ? null : FieldSpec.Compile("refund.saleId", FieldKind.Text, saleId, errors),
            RefundId = Field("refundId", FieldKind.Text),
            Amount = Field("amount", FieldKind.Amount),
            OccurredAt = Field("occurredAt", FieldKind.Time),
            Full = element.TryGetProperty("full", out var full) ? Condition.Compile("mapping.refund.full", full, errors) : null,
        };

        return errors.Count == before && result.When is not null && result.SaleId is not null
            ? new RefundMapping { When = result.When, SaleId = result.SaleId, RefundId = result.RefundId, Amount = result.Amount, OccurredAt = result.OccurredAt, Full = result.Full }
            : null;
    }
}
