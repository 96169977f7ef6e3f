using System.Text.Json;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>Square orders (shapes from the Orders API reference) mapped to <c>SaleCompleted</c>.</summary>
public sealed class MappingTests
{
    private static SquareOrder Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SquareOrder.Parse(document.RootElement, "order");
    }

    /// <summary>
    /// Two order-scoped discounts (a fixed amount and a percentage, spread over both lines by Square) and one
    /// line-item-scoped discount, in today's shape: <c>order.discounts</c> plus <c>applied_discounts</c> on the lines.
    /// </summary>
    private const string OrderWithDiscounts = """
        {
          "id": "CAISEH7v2rBM1nbPaaMkq3qzUq0gAQ",
          "location_id": "L8GH2TQ4V1K9B",
          "reference_id": "till-2-0042",
          "source": { "name": "Square Point of Sale" },
          "customer_id": "CUST-BEN-07",
          "line_items": [
            {
              "uid": "li-latte", "catalog_object_id": "CATVAR-LATTE-L", "catalog_version": 1732000000000, "quantity": "2",
              "name": "Latte", "variation_name": "Large", "item_type": "ITEM",
              "base_price_money": { "amount": 450, "currency": "EUR" },
              "gross_sales_money": { "amount": 900, "currency": "EUR" },
              "applied_discounts": [
                { "uid": "ad-1", "discount_uid": "d-voucher", "applied_money": { "amount": 450, "currency": "EUR" } },
                { "uid": "ad-2", "discount_uid": "d-staff", "applied_money": { "amount": 45, "currency": "EUR" } },
                { "uid": "ad-3", "discount_uid": "d-latte-happy-hour", "applied_money": { "amount": 50, "currency": "EUR" } }
              ],
              "total_discount_money": { "amount": 545, "currency": "EUR" },
              "total_money": { "amount": 355, "currency": "EUR" }
            },
            {
              "uid": "li-croissant", "catalog_object_id": "CATVAR-CROISSANT", "quantity": "1",
              "name": "Croissant", "variation_name": "Regular", "item_type": "ITEM",
              "base_price_money": { "amount": 250, "currency": "EUR" },
              "applied_discounts": [
                { "uid": "ad-4", "discount_uid": "d-staff", "applied_money": { "amount": 25, "currency": "EUR" } }
              ],
              "total_money": { "amount": 225, "currency": "EUR" }
            }
          ],
          "discounts": [
            { "uid": "d-voucher", "name": "CAFE-7K2PQ9", "type": "FIXED_AMOUNT", "amount_money": { "amount": 450, "currency": "EUR" },
              "applied_money": { "amount": 450, "currency": "EUR" }, "scope": "ORDER" },
            { "uid": "d-staff", "catalog_object_id": "DISC-STAFF-10", "catalog_version": 1732000000000, "name": "Staff 10%", "type": "FIXED_PERCENTAGE", "percentage": "10",
              "scope": "ORDER" },
            { "uid": "d-latte-happy-hour", "catalog_object_id": "DISC-HAPPY-HOUR", "name": "Happy hour", "type": "FIXED_AMOUNT",
              "amount_money": { "amount": 50, "currency": "EUR" }, "applied_money": { "amount": 50, "currency": "EUR" }, "scope": "LINE_ITEM" }
          ],
          "tenders": [ { "id": "TND-1", "type": "CASH", "amount_money": { "amount": 580, "currency": "EUR" } } ],
          "total_money": { "amount": 580, "currency": "EUR" },
          "total_discount_money": { "amount": 570, "currency": "EUR" },
          "created_at": "2026-11-23T09:29:40.012Z",
          "updated_at": "2026-11-23T09:31:02.113456789Z",
          "closed_at": "2026-11-23T09:30:59.037339943Z",
          "state": "COMPLETED",
          "version": 7
        }
        """;

    [Fact]
    public void MapOrder_OrderAndLineItemDiscounts_EachBecomeACandidateRedeemCode()
    {
        var sale = Parse(OrderWithDiscounts).ToSale("m", "c", "evt-9", null);

        Assert.Equal(
            [
                ((string?)null, (string?)"CAFE-7K2PQ9", (string?)null, 4.50m),
                (null, "Staff 10%", "DISC-STAFF-10", 0.70m),
                (null, "Happy hour", "DISC-HAPPY-HOUR", 0.50m),
            ],
            sale.Discounts.Select(d => (d.Code, d.Name, d.CatalogObjectId, d.Amount)));
    }

    [Fact]
    public void MapOrder_Order_IsMappedFieldByField()
    {
        var sale = Parse(OrderWithDiscounts).ToSale("cafe-1", "square-main", "evt-9", "CUST-FALLBACK");

        Assert.Equal(("cafe-1", "square-main", "CAISEH7v2rBM1nbPaaMkq3qzUq0gAQ", 7L, "evt-9"), (sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, sale.ExternalSaleVersion, sale.SourceEventId));
        Assert.Equal("L8GH2TQ4V1K9B", sale.LocationId);
        // closed_at wins over updated_at; nanoseconds are cut to what .NET keeps.
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 59, TimeSpan.Zero).AddTicks(373399), sale.OccurredAt);
        Assert.Equal("CUST-BEN-07", sale.Customer.PosCustomerId);
        Assert.Equal(("EUR", 5.80m), (sale.Currency, sale.Total));
        Assert.Equal(
            [("CATVAR-LATTE-L", "Latte (Large)", 2m, 4.50m), ("CATVAR-CROISSANT", "Croissant (Regular)", 1m, 2.50m)],
            sale.LineItems.Select(l => (l.CatalogObjectId, l.Name, l.Quantity, l.UnitPrice)));
    }

    [Fact]
    public void MapOrder_LineItemDiscountsInTheOlderShape_AreReadTooAndNotTwice()
    {
        var order = Parse("""
            { "id": "O-LEGACY", "location_id": "L1", "state": "COMPLETED", "updated_at": "2026-11-23T09:30:00Z",
              "total_money": { "amount": 300, "currency": "USD" },
              "discounts": [ { "uid": "d-1", "name": "Loyalty reward", "applied_money": { "amount": 100, "currency": "USD" }, "scope": "ORDER" } ],
              "line_items": [ { "name": "Bagel", "quantity": "1", "base_price_money": { "amount": 400, "currency": "USD" },
                                "discounts": [ { "uid": "d-1", "name": "Loyalty reward", "applied_money": { "amount": 100, "currency": "USD" }, "scope": "ORDER" },
                                               { "uid": "d-2", "name": "BAGEL-FREE-3X", "catalog_object_id": "DISC-BAGEL", "applied_money": { "amount": 0, "currency": "USD" }, "scope": "LINE_ITEM" } ] } ] }
            """);

        Assert.Equal([("Loyalty reward", 1.00m), ("BAGEL-FREE-3X", 0m)], order.Discounts.Select(d => (d.Name!, d.Amount)));
    }

    [Theory]
    [InlineData("JPY", 1500L, "1500")]
    [InlineData("KRW", 4500L, "4500")]
    [InlineData("USD", 1999L, "19.99")]
    [InlineData("KWD", 1250L, "1.250")]
    public void MapOrder_MinorUnits_BecomeMajorUnitsWithTheCurrencyExponent(string currency, long minor, string major)
    {
        var sale = Parse(SquarePayloads.Order("O-CUR", total: minor, currency: currency, discountName: "VOUCHER", discount: minor)).ToSale("m", "c", null, null);

        var expected = decimal.Parse(major, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((currency, expected), (sale.Currency, sale.Total));
        Assert.Equal(expected, Assert.Single(sale.Discounts).Amount);
        Assert.Equal(expected * 2, Assert.Single(sale.LineItems).UnitPrice);
        // The scale follows the exponent: 1.250 KWD keeps three places, 1500 JPY none.
        Assert.Equal(major, sale.Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void MapOrder_OrderNamesNoCustomer_UsesTheTenderCustomer()
    {
        var sale = Parse("""
            { "id": "O-T", "location_id": "L1", "state": "COMPLETED", "updated_at": "2026-11-23T09:30:00Z", "total_money": { "amount": 300, "currency": "EUR" },
              "tenders": [ { "id": "T1", "type": "CARD" }, { "id": "T2", "type": "CARD", "customer_id": "CUST-TENDER-2" } ] }
            """).ToSale("m", "c", null, "CUST-FALLBACK");

        Assert.Equal("CUST-TENDER-2", sale.Customer.PosCustomerId);
    }

    [Fact]
    public void MapOrder_WithoutClosedAt_SaleHappenedAtUpdatedAtAndQuantitiesMayBeFractional()
    {
        var sale = Parse("""
            { "id": "O-W", "location_id": "L1", "state": "COMPLETED", "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:30:00+01:00",
              "total_money": { "amount": 1234, "currency": "EUR" },
              "line_items": [ { "catalog_object_id": "CATVAR-BEANS", "name": "Coffee beans", "quantity": "0.455", "quantity_unit": { "measurement_unit": { "weight_unit": "METRIC_KILOGRAM" }, "precision": 3 },
                                "base_price_money": { "amount": 2712, "currency": "EUR" } },
                              { "quantity": "1" } ] }
            """).ToSale("m", "c", null, null);

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero), sale.OccurredAt);
        Assert.Equal([("Coffee beans", 0.455m, 27.12m), ("(unnamed item)", 1m, 0m)], sale.LineItems.Select(l => (l.Name, l.Quantity, l.UnitPrice)));
        Assert.Empty(sale.Discounts);
    }

    [Theory]
    [InlineData("""{ "location_id": "L1", "total_money": { "amount": 1, "currency": "EUR" }, "updated_at": "2026-11-23T09:30:00Z" }""", "order.id is required")]
    [InlineData("""{ "id": "O", "updated_at": "2026-11-23T09:30:00Z" }""", "order.total_money is required")]
    [InlineData("""{ "id": "O", "total_money": { "amount": 1, "currency": "eur" }, "updated_at": "2026-11-23T09:30:00Z" }""", "order.total_money.currency must be a three-letter")]
    [InlineData("""{ "id": "O", "total_money": { "amount": 1, "currency": "EUR" } }""", "order.closed_at, order.updated_at or order.created_at is required")]
    [InlineData("""{ "id": "O", "total_money": { "amount": 1, "currency": "EUR" }, "updated_at": "2026-11-23T09:30:00Z", "line_items": [ { "quantity": "two" } ] }""", "order.line_items[0].quantity must be a decimal")]
    [InlineData("""{ "id": "O", "total_money": { "amount": 1, "currency": "EUR" }, "updated_at": "2026-11-23T09:30:00Z", "discounts": [ { "applied_money": { "amount": 1, "currency": "USD" } } ] }""", "order.discounts[0].applied_money.currency differs")]
    public void MapOrder_MalformedOrder_NamesTheField(string json, string expected)
    {
        var ex = Assert.Throws<SquarePayloadException>(() => Parse(json));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("COMPLETED", null, true, true)]
    [InlineData("OPEN", "0", true, true)]
    [InlineData("OPEN", "150", true, false)]
    [InlineData("OPEN", null, true, false)]
    [InlineData("OPEN", "0", false, false)]
    [InlineData("DRAFT", "0", true, false)]
    [InlineData("CANCELED", null, true, false)]
    public void IsSale_Order_OnceItIsPaidInFull(string state, string? due, bool tendered, bool paid)
    {
        var dueJson = due is null ? string.Empty : $$""", "net_amount_due_money": { "amount": {{due}}, "currency": "EUR" }""";
        var tenders = tendered ? """, "tenders": [ { "id": "T1", "type": "CARD" } ]""" : string.Empty;
        var order = Parse($$"""{ "id": "O", "state": "{{state}}", "updated_at": "2026-11-23T09:30:00Z", "total_money": { "amount": 150, "currency": "EUR" }{{dueJson}}{{tenders}} }""");

        Assert.Equal(paid, order.IsPaid);
    }
}
