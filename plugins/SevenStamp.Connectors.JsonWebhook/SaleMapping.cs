using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// A compiled field mapping: where each <see cref="SaleCompleted"/> (and <see cref="SaleRefunded"/>) field sits in
/// the POS's JSON, which records earn nothing (<c>ignore</c>), and per event type the fields that differ
/// (<c>eventTypes</c>, e.g. Shopify's refunds/create carries a refund, not an order). Built once from the
/// <c>mapping</c> setting; applied to every record of every webhook.
/// </summary>
internal sealed class SaleMapping
{
    public const int MaxLineItems = 1000;
    public const int MaxDiscounts = 100;
    public const decimal MaxAmount = 1_000_000_000m;
    public const decimal MaxQuantity = 1_000_000m;
    public const int MaxDiscountSources = 10;
    public const int MaxEventTypes = 50;

    /// <summary>The top-level fields of a mapping, for messages and documentation.</summary>
    public static readonly string[] Fields =
    [
        "records", "saleId", "saleVersion", "occurredAt", "total", "currency", "locationId",
        "customerId", "customerEmail", "customerPhone", "loyaltyCardId", "lineItems", "discounts", "refund",
        "ignore", "eventTypes",
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

    /// <summary>Where discounts sit: one array, or several (Shopify keeps codes in one and manual discounts in another).</summary>
    public IReadOnlyList<ArrayMapping> Discounts { get; init; } = [];

    public RefundMapping? Refund { get; init; }

    /// <summary>Records that earn nothing, tested in order once the record's ids are read and before any other field.</summary>
    public IReadOnlyList<IgnoreRule> Ignore { get; init; } = [];

    /// <summary>Per event type, this mapping with the fields that event type's entry replaces.</summary>
    public IReadOnlyDictionary<string, SaleMapping> EventTypes { get; private set; } = new Dictionary<string, SaleMapping>(StringComparer.Ordinal);

    /// <summary>The mapping for records of <paramref name="eventType"/>: its own entry in eventTypes, else this one.</summary>
    public SaleMapping ForEventType(string? eventType) =>
        eventType is not null && EventTypes.TryGetValue(eventType, out var own) ? own : this;

    /// <summary>Compiles <paramref name="mapping"/>; returns null and adds errors naming <c>mapping.{field}</c> when it is unusable.</summary>
    public static SaleMapping? Compile(JsonElement mapping, List<(string Field, string Message)> errors) => Compile(mapping, errors, nested: false);

    private static SaleMapping? Compile(JsonElement mapping, List<(string Field, string Message)> errors, bool nested)
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
            Discounts = given.TryGetValue("discounts", out var discounts) ? CompileDiscounts(discounts, errors) : [],
            Refund = given.TryGetValue("refund", out var refundElement) ? RefundMapping.Compile(refundElement, errors) : null,
            Ignore = given.TryGetValue("ignore", out var ignoreElement) ? IgnoreRule.Compile(ignoreElement, errors) ?? [] : [],
        };

        if (given.TryGetValue("eventTypes", out var eventTypes))
        {
            if (nested)
            {
                errors.Add(("mapping.eventTypes", "cannot appear inside an event type's mapping; list every event type in the top-level eventTypes"));
            }
            else if (errors.Count == before)
            {
                // Only a base that compiles is worth merging: its own errors are reported once, at the top level.
                result.EventTypes = CompileEventTypes(given, eventTypes, errors);
            }
        }

        return errors.Count == before ? result : null;
    }

    /// <summary>
    /// Each entry of <c>eventTypes</c> is merged over the mapping (its top-level fields replace the mapping's, as a
    /// merchant's mapping replaces a preset's) and compiled whole; errors are named <c>mapping.eventTypes['type'].field</c>.
    /// </summary>
    private static Dictionary<string, SaleMapping> CompileEventTypes(Dictionary<string, JsonElement> given, JsonElement eventTypes, List<(string Field, string Message)> errors)
    {
        var result = new Dictionary<string, SaleMapping>(StringComparer.Ordinal);
        if (eventTypes.ValueKind != JsonValueKind.Object || eventTypes.EnumerateObject().Count() > MaxEventTypes)
        {
            errors.Add(("mapping.eventTypes", $"must be an object of at most {MaxEventTypes} event types, each with the mapping fields that differ for it, e.g. {{ \"refunds/create\": {{ \"refund\": {{ \"when\": \"always\", \"saleId\": \"$.order_id\" }} }} }}"));
            return result;
        }

        foreach (var eventType in eventTypes.EnumerateObject())
        {
            var prefix = $"mapping.eventTypes['{JsonPath.Describe(eventType.Name)}']";
            if (eventType.Value.ValueKind != JsonValueKind.Object)
            {
                errors.Add((prefix, "must be an object with the mapping fields that differ for this event type, e.g. { \"refund\": { … } }"));
                continue;
            }

            var merged = new Dictionary<string, JsonElement>(given, StringComparer.Ordinal);
            merged.Remove("eventTypes");
            foreach (var property in eventType.Value.EnumerateObject())
            {
                merged[property.Name] = property.Value;
            }

            var own = new List<(string Field, string Message)>();
            var compiled = Compile(JsonSerializer.SerializeToElement(merged), own, nested: true);
            errors.AddRange(own.Select(e => (e.Field.StartsWith("mapping", StringComparison.Ordinal) ? prefix + e.Field["mapping".Length..] : e.Field, e.Message)));
            if (compiled is not null)
            {
                result[eventType.Name] = compiled;
            }
        }

        return result;
    }

    private static List<ArrayMapping> CompileDiscounts(JsonElement element, List<(string Field, string Message)> errors)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return ArrayMapping.Compile("discounts", element, DiscountFields, [], errors) is { } single ? [single] : [];
        }

        if (element.GetArrayLength() is 0 or > MaxDiscountSources)
        {
            errors.Add(("mapping.discounts", $"is a list of the places discounts sit; it needs at least one and at most {MaxDiscountSources}, e.g. [ {{ \"path\": \"$.discount_codes[*]\", \"code\": \"$.code\" }}, {{ \"path\": \"$.discount_applications[*]\", \"name\": \"$.title\" }} ]"));
            return [];
        }

        var sources = new List<ArrayMapping>();
        var index = 0;
        foreach (var source in element.EnumerateArray())
        {
            if (ArrayMapping.Compile($"discounts[{index++}]", source, DiscountFields, [], errors) is { } compiled)
            {
                sources.Add(compiled);
            }
        }

        return sources;
    }

    private static JsonPath? Add(List<(string Field, string Message)> errors, string field, string message)
    {
        errors.Add((field, message));
        return null;
    }

    /// <summary>
    /// Maps one record to a sale, a refund, or an <see cref="IgnoredRecord"/> (an ignore rule holds, or a partial
    /// refund gives no money back). Throws <see cref="MappingException"/> naming the field at fault.
    /// </summary>
    public object Map(JsonElement record, string merchantId, string connectorId, string? eventId)
    {
        // The rules come first, once the record says which sale (or refund) it is: a test order with a field in
        // another shape is ignored, not refused; a body that is no record at all (no id) is refused.
        if (Ignore.Count > 0)
        {
            var what = Identify(record);
            foreach (var rule in Ignore)
            {
                if (rule.When.Matches(record))
                {
                    return new IgnoredRecord(what, rule.Reason);
                }
            }
        }

        var givenCurrency = ReadCurrency(Currency, record);
        if (Refund is { } refund && refund.When.Matches(record))
        {
            var amountSpec = refund.Amount ?? Total;
            var amount = Math.Abs(Require(amountSpec, amountSpec.ReadAmount(record, givenCurrency)));
            var full = refund.Full?.Matches(record) ?? false;
            var refundId = RequireId(refund.RefundId ?? SaleId, record);
            var saleId = RequireId(refund.SaleId, record);
            if (amount == 0 && !full)
            {
                // Nothing was given back (a restock-only refund, a payment still pending): there is nothing to take
                // back, and such a refund may name no currency at all.
                return new IgnoredRecord($"refund {refundId} of sale {saleId}", "gives no money back");
            }

            var refundCurrency = Require(Currency, givenCurrency);

            return new SaleRefunded
            {
                MerchantId = merchantId,
                ConnectorId = connectorId,
                ExternalRefundId = refundId,
                ExternalSaleId = saleId,
                SourceEventId = eventId,
                OccurredAt = Require(refund.OccurredAt ?? OccurredAt, (refund.OccurredAt ?? OccurredAt).ReadTime(record)),
                Currency = refundCurrency,
                // A full refund of a sale that cost nothing (a free item) still takes its stamps back.
                Amount = CheckAmount(amountSpec, amount, allowZero: full),
                IsFullRefund = full,
            };
        }

        var currency = Require(Currency, givenCurrency);
        return new SaleCompleted
        {
            MerchantId = merchantId,
            ConnectorId = connectorId,
            ExternalSaleId = RequireId(SaleId, record),
            ExternalSaleVersion = SaleVersion?.ReadInteger(record),
            SourceEventId = eventId,
            OccurredAt = Require(OccurredAt, OccurredAt.ReadTime(record)),
            LocationId = LocationId?.ReadId(record),
            Customer = new CustomerIdentifiers
            {
                PosCustomerId = CustomerId?.ReadId(record),
                LoyaltyCardId = LoyaltyCardId?.ReadId(record),
                EmailHash = CustomerHash.Email(CustomerEmail?.ReadText(record)),
                PhoneHash = CustomerHash.Phone(CustomerPhone?.ReadText(record)),
            },
            Currency = currency,
            Total = CheckAmount(Total, Require(Total, Total.ReadAmount(record, currency)), allowZero: true),
            LineItems = LineItems?.Map(record, MaxLineItems, (item, at) => new SaleLineItem
            {
                Sku = at("sku")?.ReadId(item),
                CatalogObjectId = at("catalogObjectId")?.ReadId(item),
                Name = Require(at("name")!, at("name")!.ReadText(item)),
                Category = at("category")?.ReadText(item),
                Quantity = CheckQuantity(at("quantity")!, Require(at("quantity")!, at("quantity")!.ReadAmount(item, currency))),
                UnitPrice = CheckAmount(at("unitPrice")!, Require(at("unitPrice")!, at("unitPrice")!.ReadAmount(item, currency)), allowZero: true),
            }) ?? [],
            Discounts = MapDiscounts(record, currency),
        };
    }

    /// <summary>
    /// Every discount of every source, in order. One discount listed by two sources (Shopify writes a code in both
    /// discount_codes and discount_applications) is kept once: entries with the same code, name and catalog id are
    /// one discount, whose amount is the first one given.
    /// </summary>
    private List<AppliedDiscount> MapDiscounts(JsonElement record, string currency)
    {
        var result = new List<AppliedDiscount>();
        foreach (var source in Discounts)
        {
            var discounts = source.Map(record, MaxDiscounts, (item, at) => new AppliedDiscount
            {
                Code = at("code")?.ReadId(item),
                Name = at("name")?.ReadText(item),
                CatalogObjectId = at("catalogObjectId")?.ReadId(item),
                Amount = at("amount") is { } amount ? CheckAmount(amount, Math.Abs(amount.ReadAmount(item, currency) ?? 0m), allowZero: true) : 0m,
            });
            foreach (var discount in discounts.Where(d => d.Code is not null || d.Name is not null || d.CatalogObjectId is not null))
            {
                var same = result.FindIndex(d => SameText(d.Code, discount.Code) && SameText(d.Name, discount.Name) && SameText(d.CatalogObjectId, discount.CatalogObjectId));
                if (same < 0)
                {
                    if (result.Count == MaxDiscounts)
                    {
                        throw new MappingException("discounts", $"has more than {MaxDiscounts} entries in all");
                    }

                    result.Add(discount);
                }
                else if (result[same].Amount == 0 && discount.Amount != 0)
                {
                    result[same] = result[same] with { Amount = discount.Amount };
                }
            }
        }

        return result;
    }

    private static bool SameText(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Which sale or refund a record is, for the answer; its ids are required.</summary>
    private string Identify(JsonElement record) =>
        Refund is { } refund && refund.When.Matches(record)
            ? $"refund {RequireId(refund.RefundId ?? SaleId, record)} of sale {RequireId(refund.SaleId, record)}"
            : "sale " + RequireId(SaleId, record);

    private static string? ReadCurrency(FieldSpec spec, JsonElement record)
    {
        var text = spec.ReadText(record, 10)?.ToUpperInvariant();
        return text is null || (text.Length == 3 && text.All(char.IsAsciiLetterUpper))
            ? text
            : throw new MappingException(spec.Where, "must be a three-letter ISO 4217 currency code, e.g. EUR");
    }

    private static string RequireId(FieldSpec spec, JsonElement record) => Require(spec, spec.ReadId(record));

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

/// <summary>
/// A test on a record, written in the mapping as <c>{ "path": "$.status", "equals": "paid" }</c> (equals may be a
/// list; true/false/numbers compare as written in JSON, texts without regard to case), <c>"notEquals"</c> (the value
/// is missing or none of those), <c>"exists": true</c> (the path holds something other than null or empty text) or
/// <c>false</c>, <c>"always"</c>, or a list of conditions that must all hold. A path that selects several values (a
/// <c>[*]</c>) holds when any of them equals, and <c>notEquals</c> when none does.
/// </summary>
internal sealed class Condition
{
    public const int MaxConditions = 20;

    private const string Shape = "must be { \"path\": \"$.status\", \"equals\": \"paid\" } (equals may be a list), { \"path\": …, \"notEquals\": [ … ] }, { \"path\": …, \"exists\": true }, \"always\", or a list of conditions that must all hold";

    private readonly Test _test;
    private readonly IReadOnlyList<Condition> _all;

    private Condition(Test test, string name, JsonPath? path, string[] values, IReadOnlyList<Condition>? all = null)
    {
        _test = test;
        Name = name;
        Path = path;
        Values = values;
        _all = all ?? [];
    }

    private enum Test
    {
        Equals,
        NotEquals,
        Exists,
        Missing,
        Always,
        All,
    }

    /// <summary>How the condition is named in messages, e.g. <c>ignore[0].when</c>.</summary>
    public string Name { get; }

    public JsonPath? Path { get; }

    public string[] Values { get; }

    /// <summary>True for <c>"always"</c>: a mapping whose every record is a refund, or whose every refund is full.</summary>
    public bool IsAlways => _test == Test.Always;

    private string Where => Path is null ? Name : $"{Name} ({JsonPath.Describe(Path.Text)})";

    public static Condition? Compile(string field, JsonElement element, List<(string Field, string Message)> errors)
    {
        var name = field.StartsWith("mapping.", StringComparison.Ordinal) ? field["mapping.".Length..] : field;
        if (element.ValueKind == JsonValueKind.String && element.GetString() == "always")
        {
            return new Condition(Test.Always, name, null, []);
        }

        if (element.ValueKind == JsonValueKind.Array)
        {
            if (element.GetArrayLength() is 0 or > MaxConditions)
            {
                errors.Add((field, $"is a list of conditions that must all hold; it needs at least one and at most {MaxConditions}"));
                return null;
            }

            var before = errors.Count;
            var all = element.EnumerateArray().Select((e, i) => Compile($"{field}[{i}]", e, errors)).ToList();
            return errors.Count == before ? new Condition(Test.All, name, null, [], [.. all.Select(c => c!)]) : null;
        }

        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("path", out var pathElement) || pathElement.ValueKind != JsonValueKind.String
            || element.EnumerateObject().Count() != 2)
        {
            errors.Add((field, Shape));
            return null;
        }

        var test = element.EnumerateObject().First(p => p.Name != "path");
        string[]? values = null;
        Test? kind = test.Name switch
        {
            "equals" => Test.Equals,
            "notEquals" => Test.NotEquals,
            "exists" when test.Value.ValueKind == JsonValueKind.True => Test.Exists,
            "exists" when test.Value.ValueKind == JsonValueKind.False => Test.Missing,
            _ => null,
        };
        if (kind is Test.Equals or Test.NotEquals)
        {
            values = test.Value.ValueKind switch
            {
                JsonValueKind.String => [test.Value.GetString()!],
                JsonValueKind.True => ["true"],
                JsonValueKind.False => ["false"],
                JsonValueKind.Number => [test.Value.GetRawText()],
                JsonValueKind.Array when test.Value.GetArrayLength() is > 0 and <= 50 && test.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. test.Value.EnumerateArray().Select(e => e.GetString()!)],
                _ => null,
            };
        }
        else if (kind is not null)
        {
            values = [];
        }

        if (kind is null || values is null)
        {
            errors.Add((field, test.Name == "exists" ? "exists must be true or false" : Shape));
            return null;
        }

        var path = JsonPath.TryParse(pathElement.GetString(), out var problem);
        if (path is null)
        {
            errors.Add((field, "path " + problem));
            return null;
        }

        return new Condition(kind.Value, name, path, values);
    }

    /// <summary>Whether <paramref name="record"/> meets the condition. Throws <see cref="MappingException"/> when a value it reads is not text.</summary>
    public bool Matches(JsonElement record)
    {
        switch (_test)
        {
            case Test.Always:
                return true;
            case Test.All:
                return _all.All(c => c.Matches(record));
            case Test.Exists or Test.Missing:
                var present = Path!.SelectAll(record).Any(v => v.ValueKind != JsonValueKind.String || !string.IsNullOrWhiteSpace(JsonText.Read(v, Where)));
                return present == (_test == Test.Exists);
            default:
                var equal = Path!.SelectAll(record).Any(v => v.ValueKind switch
                {
                    JsonValueKind.String => Values.Contains(JsonText.Read(v, Where).Trim(), StringComparer.OrdinalIgnoreCase),
                    JsonValueKind.True => Values.Contains("true", StringComparer.OrdinalIgnoreCase),
                    JsonValueKind.False => Values.Contains("false", StringComparer.OrdinalIgnoreCase),
                    JsonValueKind.Number => Values.Contains(v.GetRawText(), StringComparer.Ordinal),
                    _ => false,
                });
                return equal == (_test == Test.Equals);
        }
    }
}

/// <summary>
/// A record that is authentic and well-formed but earns nothing (a test order, an unpaid one): acknowledged as
/// ignored, with the mapping's reason and, where it could be read, which sale or refund it was.
/// </summary>
internal sealed record IgnoredRecord(string What, string Reason)
{
    public override string ToString() => $"{What}: {Reason}";
}

/// <summary>An entry of <c>mapping.ignore</c>: records meeting <see cref="When"/> earn nothing, for <see cref="Reason"/>.</summary>
internal sealed record IgnoreRule(Condition When, string Reason)
{
    public const int MaxRules = 20;
    public const int MaxReasonLength = 200;

    public static List<IgnoreRule>? Compile(JsonElement element, List<(string Field, string Message)> errors)
    {
        const string Example = "e.g. [ { \"when\": { \"path\": \"$.test\", \"equals\": true }, \"reason\": \"a test order\" } ]";
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > MaxRules)
        {
            errors.Add(("mapping.ignore", $"must be a list of at most {MaxRules} rules, each a condition and the reason given when a record meets it, {Example}"));
            return null;
        }

        var before = errors.Count;
        var rules = new List<IgnoreRule>();
        var index = 0;
        foreach (var rule in element.EnumerateArray())
        {
            var field = $"mapping.ignore[{index++}]";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                errors.Add((field, "must be an object with \"when\" and \"reason\", " + Example));
                continue;
            }

            foreach (var property in rule.EnumerateObject().Where(p => p.Name is not ("when" or "reason")))
            {
                errors.Add(($"{field}.{JsonPath.Describe(property.Name)}", "is not a field of an ignore rule; its fields are: when, reason"));
            }

            Condition? when = null;
            if (!rule.TryGetProperty("when", out var whenElement))
            {
                errors.Add((field + ".when", "is required: the condition a record meets to be ignored, e.g. { \"path\": \"$.test\", \"equals\": true }"));
            }
            else
            {
                when = Condition.Compile(field + ".when", whenElement, errors);
            }

            string? reason = null;
            if (!rule.TryGetProperty("reason", out var reasonElement))
            {
                errors.Add((field + ".reason", "is required: the short text the POS is answered with, e.g. \"a test order\""));
            }
            else if (reasonElement.ValueKind != JsonValueKind.String || (reason = reasonElement.GetString()!.Trim()).Length is 0 or > MaxReasonLength || reason.Any(char.IsControl))
            {
                errors.Add((field + ".reason", $"must be a text of 1 to {MaxReasonLength} characters on one line, e.g. \"a test order\""));
                reason = null;
            }

            if (when is not null && reason is not null)
            {
                rules.Add(new IgnoreRule(when, reason));
            }
        }

        return errors.Count == before ? rules : null;
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
