using System.Text.Json;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// The parts of a Square <c>Order</c> (Orders API) a sale or refund needs, read from its documented JSON:
/// <code>
/// { "id": "…", "location_id": "…", "version": 3, "state": "COMPLETED", "customer_id": "…",
///   "line_items": [ { "uid": "…", "catalog_object_id": "…", "name": "Latte", "variation_name": "Large", "quantity": "2",
///                     "base_price_money": { "amount": 450, "currency": "EUR" },
///                     "applied_discounts": [ { "discount_uid": "…", "applied_money": { … } } ] } ],
///   "discounts": [ { "uid": "…", "name": "…", "catalog_object_id": "…", "scope": "ORDER", "applied_money": { … } } ],
///   "tenders": [ { "customer_id": "…" } ], "returns": [ { "source_order_id": "…" } ],
///   "total_money": { … }, "net_amount_due_money": { … }, "created_at": "…", "updated_at": "…", "closed_at": "…" }
/// </code>
/// </summary>
internal sealed record SquareOrder
{
    private const int MaxLineItems = 1000;
    private const int MaxDiscounts = 200;

    public required string Id { get; init; }

    public string? LocationId { get; init; }

    public long? Version { get; init; }

    public string? State { get; init; }

    public string? CustomerId { get; init; }

    public required SquareMoney Total { get; init; }

    public SquareMoney? NetAmountDue { get; init; }

    public bool HasTenders { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>For a return order (a refund's order): the order whose items came back.</summary>
    public string? SourceOrderId { get; init; }

    public IReadOnlyList<SaleLineItem> LineItems { get; init; } = [];

    public IReadOnlyList<AppliedDiscount> Discounts { get; init; } = [];

    /// <summary>
    /// Paid in full: completed, or still open (e.g. waiting for pickup) with nothing left to pay. Draft, canceled and
    /// partly paid orders are not sales yet.
    /// </summary>
    public bool IsPaid => State == "COMPLETED" || (State == "OPEN" && HasTenders && NetAmountDue is { Amount: 0 });

    public SaleCompleted ToSale(string merchantId, string connectorId, string? sourceEventId, string? fallbackCustomerId) => new()
    {
        MerchantId = merchantId,
        ConnectorId = connectorId,
        ExternalSaleId = Id,
        ExternalSaleVersion = Version,
        SourceEventId = sourceEventId,
        LocationId = LocationId,
        OccurredAt = OccurredAt,
        Customer = (CustomerId ?? fallbackCustomerId) is { } customer ? new CustomerIdentifiers { PosCustomerId = customer } : CustomerIdentifiers.None,
        Currency = Total.Currency,
        Total = Total.ToMajorUnits(),
        LineItems = LineItems,
        Discounts = Discounts,
    };

    /// <summary>Reads an order; <paramref name="path"/> prefixes the field names in errors (e.g. <c>order</c>).</summary>
    public static SquareOrder Parse(JsonElement order, string path)
    {
        SquareJson.RequireObject(order, path);
        var id = SquareJson.RequiredId(order, "id", path + ".id");
        var total = SquareJson.RequiredMoney(order, "total_money", path + ".total_money");
        var updatedAt = SquareJson.OptionalTimestamp(order, "updated_at", path + ".updated_at");
        var occurredAt = SquareJson.OptionalTimestamp(order, "closed_at", path + ".closed_at")
            ?? updatedAt
            ?? SquareJson.OptionalTimestamp(order, "created_at", path + ".created_at")
            ?? throw new SquarePayloadException($"{path}.closed_at, {path}.updated_at or {path}.created_at is required");

        var tenders = SquareJson.OptionalArray(order, "tenders", path + ".tenders", MaxDiscounts).ToList();
        var customerId = SquareJson.OptionalId(order, "customer_id", path + ".customer_id")
            ?? tenders.Select(t => SquareJson.OptionalId(t.Item, "customer_id", t.Path + ".customer_id")).FirstOrDefault(c => c is not null);
        var sourceOrderId = SquareJson.OptionalArray(order, "returns", path + ".returns", MaxDiscounts)
            .Select(r => SquareJson.OptionalId(r.Item, "source_order_id", r.Path + ".source_order_id"))
            .FirstOrDefault(s => s is not null);

        var lines = SquareJson.OptionalArray(order, "line_items", path + ".line_items", MaxLineItems).ToList();
        return new SquareOrder
        {
            Id = id,
            LocationId = SquareJson.OptionalId(order, "location_id", path + ".location_id"),
            Version = SquareJson.OptionalInteger(order, "version", path + ".version"),
            State = SquareJson.OptionalText(order, "state", path + ".state", 32),
            CustomerId = customerId,
            Total = total,
            NetAmountDue = SquareJson.OptionalMoney(order, "net_amount_due_money", path + ".net_amount_due_money"),
            HasTenders = tenders.Count > 0,
            UpdatedAt = updatedAt,
            OccurredAt = occurredAt,
            SourceOrderId = sourceOrderId,
            LineItems = [.. lines.Select(l => ParseLineItem(l.Item, l.Path, total.Currency))],
            Discounts = ParseDiscounts(order, lines, path, total.Currency),
        };
    }

    private static SaleLineItem ParseLineItem(JsonElement line, string path, string currency)
    {
        var name = SquareJson.OptionalText(line, "name", path + ".name");
        var variation = SquareJson.OptionalText(line, "variation_name", path + ".variation_name");
        return new SaleLineItem
        {
            CatalogObjectId = SquareJson.OptionalId(line, "catalog_object_id", path + ".catalog_object_id"),
            // Ad-hoc items may have no name; a variation ("Large") says more together with the item's name.
            Name = (name, variation) switch
            {
                ({ } n, { } v) when !string.Equals(n, v, StringComparison.OrdinalIgnoreCase) => $"{n} ({v})",
                ({ } n, _) => n,
                (null, { } v) => v,
                _ => "(unnamed item)",
            },
            Quantity = SquareJson.OptionalDecimalText(line, "quantity", path + ".quantity") ?? 1m,
            UnitPrice = InCurrency(SquareJson.OptionalMoney(line, "base_price_money", path + ".base_price_money"), currency, path + ".base_price_money")?.ToMajorUnits() ?? 0m,
        };
    }

    /// <summary>
    /// Every discount of the order, order-scoped and line-item-scoped, once each: <c>order.discounts</c> (today's
    /// shape, where line items point at them through <c>applied_discounts</c>), then discounts written on the line
    /// items themselves (the older shape) that the order level does not already list. Any of them may carry a
    /// Redeem Code in its name or catalog id. Square's Orders API has no discount code field, so Code stays null.
    /// </summary>
    private static IReadOnlyList<AppliedDiscount> ParseDiscounts(JsonElement order, List<(JsonElement Item, string Path)> lines, string path, string currency)
    {
        var appliedByUid = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (line, linePath) in lines)
        {
            foreach (var (applied, appliedPath) in SquareJson.OptionalArray(line, "applied_discounts", linePath + ".applied_discounts", MaxDiscounts))
            {
                var uid = SquareJson.OptionalId(applied, "discount_uid", appliedPath + ".discount_uid");
                var money = InCurrency(SquareJson.OptionalMoney(applied, "applied_money", appliedPath + ".applied_money"), currency, appliedPath + ".applied_money");
                if (uid is not null && money is { } m)
                {
                    appliedByUid[uid] = appliedByUid.GetValueOrDefault(uid) + m.Amount;
                }
            }
        }

        var result = new List<AppliedDiscount>();
        var seenUids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (discount, discountPath) in SquareJson.OptionalArray(order, "discounts", path + ".discounts", MaxDiscounts))
        {
            var uid = SquareJson.OptionalId(discount, "uid", discountPath + ".uid");
            if (uid is not null)
            {
                seenUids.Add(uid);
            }

            result.Add(ToDiscount(discount, discountPath, currency, uid is not null && appliedByUid.TryGetValue(uid, out var sum) ? sum : null));
        }

        foreach (var (line, linePath) in lines)
        {
            foreach (var (discount, discountPath) in SquareJson.OptionalArray(line, "discounts", linePath + ".discounts", MaxDiscounts))
            {
                var uid = SquareJson.OptionalId(discount, "uid", discountPath + ".uid");
                if (uid is null || seenUids.Add(uid))
                {
                    result.Add(ToDiscount(discount, discountPath, currency, null));
                }
            }
        }

        return result;
    }

    private static AppliedDiscount ToDiscount(JsonElement discount, string path, string currency, long? appliedOnLines)
    {
        var applied = InCurrency(SquareJson.OptionalMoney(discount, "applied_money", path + ".applied_money"), currency, path + ".applied_money")
            ?? (appliedOnLines is { } amount ? new SquareMoney(amount, currency) : (SquareMoney?)null)
            ?? InCurrency(SquareJson.OptionalMoney(discount, "amount_money", path + ".amount_money"), currency, path + ".amount_money");
        return new AppliedDiscount
        {
            Code = null,
            Name = SquareJson.OptionalText(discount, "name", path + ".name"),
            CatalogObjectId = SquareJson.OptionalId(discount, "catalog_object_id", path + ".catalog_object_id"),
            Amount = applied?.ToMajorUnits() ?? 0m,
        };
    }

    private static SquareMoney? InCurrency(SquareMoney? money, string currency, string path) =>
        money is { } m && !string.Equals(m.Currency, currency, StringComparison.Ordinal)
            ? throw new SquarePayloadException($"{path}.currency differs from the order's total_money.currency")
            : money;
}
