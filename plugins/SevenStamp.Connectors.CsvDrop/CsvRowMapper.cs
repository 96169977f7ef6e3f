using System.Globalization;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// A row that could not be mapped: which field (and column), and why, in words a merchant can act on. Never the
/// cell's value: reports and logs travel further than the file (support tickets, log stores) and a cell may hold
/// a customer's e-mail or a secret; the line and column lead the merchant to it in the file itself.
/// </summary>
internal sealed record CsvRowError(string Field, string? Column, string Reason);

/// <summary>What one data row of an export says: a sale, a refund, or an error.</summary>
internal abstract record CsvRow
{
    public sealed record Sale(SaleCompleted Record) : CsvRow;

    public sealed record Refund(SaleRefunded Record) : CsvRow;

    public sealed record Invalid(CsvRowError Error) : CsvRow;

    /// <summary>A line with no value at all (e.g. <c>;;;;</c> at the end of a spreadsheet export): skipped silently.</summary>
    public sealed record Blank : CsvRow;
}

/// <summary>
/// Maps one data row to a <see cref="SaleCompleted"/> or <see cref="SaleRefunded"/>. Cells are read through the
/// header layout; numbers and dates follow the connector's separator, format and time-zone settings. A cell that
/// looks like a spreadsheet formula is never taken for a number.
/// </summary>
internal sealed class CsvRowMapper(CsvDropSettings settings, CsvLayout layout, string merchantId, string connectorId)
{
    public const int MaxIdLength = 200;
    private const int MaxTextLength = 500;

    public CsvRow Map(Func<int, string> cell, int fieldCount, string sourceEventId)
    {
        string? Read(string field)
        {
            if (!layout.Ordinals.TryGetValue(field, out var ordinal) || ordinal >= fieldCount)
            {
                return null;
            }

            var value = cell(ordinal).Trim();
            return value.Length == 0 ? null : value;
        }

        var blank = true;
        for (var i = 0; i < fieldCount && blank; i++)
        {
            blank = string.IsNullOrWhiteSpace(cell(i));
        }

        if (blank)
        {
            return new CsvRow.Blank();
        }

        CsvRow.Invalid Fail(string field, string reason) =>
            new(new CsvRowError(field, layout.Headers.GetValueOrDefault(field), reason));

        // A cell holding U+FFFD (a program could not convert a character there) or half a surrogate pair is refused
        // whole, before anything is read from it: "Jos\uFFFD" would otherwise become a customer id or code of its own.
        foreach (var field in CsvField.All)
        {
            if (layout.Ordinals.TryGetValue(field, out var ordinal) && ordinal < fieldCount && IndexOfUndecodable(cell(ordinal)) is var at and >= 0)
            {
                return Fail(field, $"holds U+FFFD (or half of a character pair) at column {ordinal + 1}, character {at + 1}: where a program could not convert a character, the text is lost; fix it in the POS, or check the encoding setting");
            }
        }

        var saleId = Read(CsvField.SaleId);
        if (saleId is null)
        {
            return Fail(CsvField.SaleId, "the sale id is missing");
        }

        if (saleId.Length > MaxIdLength)
        {
            return Fail(CsvField.SaleId, $"the sale id is longer than {MaxIdLength} characters");
        }

        var occurredText = Read(CsvField.OccurredAt);
        if (occurredText is null)
        {
            return Fail(CsvField.OccurredAt, "the date is missing");
        }

        if (!TryParseDate(occurredText, out var occurredAt))
        {
            return Fail(CsvField.OccurredAt, $"is not a date in the format {DescribeDateFormat()} (setting dateFormat)");
        }

        var totalText = Read(CsvField.Total);
        if (totalText is null)
        {
            return Fail(CsvField.Total, "the total is missing");
        }

        if (ParseAmount(totalText) is not { } total)
        {
            return Fail(CsvField.Total, DescribeBadNumber(totalText));
        }

        var currency = Read(CsvField.Currency) ?? settings.Currency;
        if (currency is null)
        {
            return Fail(CsvField.Currency, "the currency is missing (or set the connector's currency setting)");
        }

        if (currency.Length != 3 || !currency.All(char.IsAsciiLetter))
        {
            return Fail(CsvField.Currency, "is not a three-letter ISO 4217 currency code such as EUR");
        }

        currency = currency.ToUpperInvariant();
        var type = Read(CsvField.Type);
        if (type is not null && settings.RefundTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return MapRefund(saleId, occurredAt, currency, total, Read, Fail, sourceEventId);
        }

        if (type is not null && !settings.SaleTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return Fail(CsvField.Type, $"is neither a sale ({string.Join(", ", settings.SaleTypes)}) nor a refund ({string.Join(", ", settings.RefundTypes)}); see the settings saleTypes and refundTypes");
        }

        if (total < 0)
        {
            return Fail(CsvField.Total, "is negative; a refund row needs the type column set to a refund value (setting refundTypes)");
        }

        List<SaleLineItem> lines = [];
        var sku = Read(CsvField.Sku);
        var itemName = Read(CsvField.ItemName);
        if (sku is not null || itemName is not null)
        {
            var quantityText = Read(CsvField.Quantity);
            decimal quantity = 1;
            if (quantityText is not null && ParseAmount(quantityText) is not { } q)
            {
                return Fail(CsvField.Quantity, DescribeBadNumber(quantityText));
            }
            else if (quantityText is not null)
            {
                quantity = ParseAmount(quantityText)!.Value;
            }

            if (quantity <= 0)
            {
                return Fail(CsvField.Quantity, "must be more than 0");
            }

            var unitText = Read(CsvField.UnitPrice);
            var unitPrice = quantity == 0 ? total : Math.Round(total / quantity, 4);
            if (unitText is not null)
            {
                if (ParseAmount(unitText) is not { } price || price < 0)
                {
                    return Fail(CsvField.UnitPrice, DescribeBadNumber(unitText));
                }

                unitPrice = price;
            }

            lines.Add(new SaleLineItem
            {
                Sku = Limit(sku),
                Name = Limit(itemName ?? sku)!,
                Category = Limit(Read(CsvField.Category)),
                Quantity = quantity,
                UnitPrice = unitPrice,
            });
        }

        var codes = Read(CsvField.DiscountCodes) is { } codeText
            ? codeText.Split(settings.DiscountCodeSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(c => c.Length <= MaxIdLength)
                .Distinct(StringComparer.Ordinal)
                .Select(c => new AppliedDiscount { Code = c })
                .ToList()
            : [];

        return Checked(Fail, new SaleCompleted
        {
            MerchantId = merchantId,
            ConnectorId = connectorId,
            ExternalSaleId = saleId,
            SourceEventId = sourceEventId,
            LocationId = Limit(Read(CsvField.LocationId)),
            OccurredAt = occurredAt,
            Customer = CustomerOf(Read),
            Currency = currency,
            Total = total,
            LineItems = lines,
            Discounts = codes,
        });
    }

    private CsvRow MapRefund(string saleId, DateTimeOffset occurredAt, string currency, decimal total, Func<string, string?> read, Func<string, string, CsvRow.Invalid> fail, string sourceEventId)
    {
        if (!layout.Ordinals.ContainsKey(CsvField.RefundOf))
        {
            return fail(CsvField.RefundOf, "a refund row needs the id of the refunded sale: map its column as refundOf in the columns setting");
        }

        var refundOf = read(CsvField.RefundOf);
        if (refundOf is null)
        {
            return fail(CsvField.RefundOf, "the id of the refunded sale is missing");
        }

        var refundId = read(CsvField.RefundId) ?? saleId;
        if (refundOf.Length > MaxIdLength || refundId.Length > MaxIdLength)
        {
            return fail(CsvField.RefundOf, $"an id is longer than {MaxIdLength} characters");
        }

        var full = false;
        if (read(CsvField.FullRefund) is { } fullText)
        {
            switch (fullText.ToLowerInvariant())
            {
                case "true" or "yes" or "y" or "1" or "x" or "full":
                    full = true;
                    break;
                case "false" or "no" or "n" or "0" or "partial":
                    break;
                default:
                    return fail(CsvField.FullRefund, "must be true or false (yes/no, 1/0)");
            }
        }

        return Checked(fail, new SaleRefunded
        {
            MerchantId = merchantId,
            ConnectorId = connectorId,
            ExternalRefundId = refundId,
            ExternalSaleId = refundOf,
            SourceEventId = sourceEventId,
            OccurredAt = occurredAt,
            Currency = currency,
            Amount = Math.Abs(total),
            IsFullRefund = full,
        });
    }

    /// <summary>
    /// The row's record held to the SDK's rule for ids and text (<see cref="CheckoutText"/>), the one the host applies
    /// to every record: a value it would refuse refuses the row here, naming the column, so the rest of the file goes on.
    /// </summary>
    private static CsvRow Checked(Func<string, string, CsvRow.Invalid> fail, SaleCompleted sale)
    {
        try
        {
            return new CsvRow.Sale(CheckoutText.Normalize(sale));
        }
        catch (CheckoutRecordRejectedException ex)
        {
            return fail(FieldOf(ex.Field), ex.Problem);
        }
    }

    private static CsvRow Checked(Func<string, string, CsvRow.Invalid> fail, SaleRefunded refund)
    {
        try
        {
            return new CsvRow.Refund(CheckoutText.Normalize(refund));
        }
        catch (CheckoutRecordRejectedException ex)
        {
            return fail(ex.Field == "externalSaleId" ? CsvField.RefundOf : FieldOf(ex.Field), ex.Problem);
        }
    }

    /// <summary>The CSV field (and so the column) a field of a record comes from.</summary>
    private static string FieldOf(string recordField) => recordField switch
    {
        "externalSaleId" => CsvField.SaleId,
        "externalRefundId" => CsvField.RefundId,
        "locationId" => CsvField.LocationId,
        "customer.posCustomerId" => CsvField.CustomerId,
        "customer.loyaltyCardId" => CsvField.LoyaltyCardId,
        _ when recordField.StartsWith("discounts[", StringComparison.Ordinal) => CsvField.DiscountCodes,
        _ when recordField.EndsWith(".sku", StringComparison.Ordinal) => CsvField.Sku,
        _ when recordField.EndsWith(".name", StringComparison.Ordinal) => CsvField.ItemName,
        _ when recordField.EndsWith(".category", StringComparison.Ordinal) => CsvField.Category,
        _ => recordField,
    };

    private static CustomerIdentifiers CustomerOf(Func<string, string?> read)
    {
        var customerId = Limit(read(CsvField.CustomerId));
        var card = Limit(read(CsvField.LoyaltyCardId));
        var email = CustomerHash.Email(read(CsvField.Email));
        var phone = CustomerHash.Phone(read(CsvField.Phone));
        return customerId is null && card is null && email is null && phone is null
            ? CustomerIdentifiers.None
            : new CustomerIdentifiers { PosCustomerId = customerId, LoyaltyCardId = card, EmailHash = email, PhoneHash = phone };
    }

    /// <summary>The index of the first U+FFFD or unpaired surrogate in <paramref name="text"/>, or -1.</summary>
    public static int IndexOfUndecodable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\uFFFD' || char.IsLowSurrogate(c) || (char.IsHighSurrogate(c) && (i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))))
            {
                return i;
            }

            if (char.IsHighSurrogate(c))
            {
                i++;
            }
        }

        return -1;
    }

    private static string? Limit(string? text) => text is null ? null : text.Length <= MaxTextLength ? text : text[..MaxTextLength];

    /// <summary>True when a cell would run as a formula if the file were opened in a spreadsheet.</summary>
    public static bool LooksLikeFormula(string text) => text.Length > 0 && text[0] is '=' or '+' or '@' or '\t' or '\r' || (text.Length > 1 && text[0] == '-' && !char.IsAsciiDigit(text[1]) && text[1] != '.' && text[1] != ',');

    /// <summary>Reads an amount with the configured separators: digits, one decimal separator, an optional leading minus.</summary>
    public decimal? ParseAmount(string text)
    {
        if (LooksLikeFormula(text))
        {
            return null;
        }

        Span<char> buffer = stackalloc char[Math.Min(text.Length, 64)];
        if (text.Length > 64)
        {
            return null;
        }

        var length = 0;
        var sawDecimal = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                buffer[length++] = c;
            }
            else if (c == settings.DecimalSeparator && !sawDecimal)
            {
                sawDecimal = true;
                buffer[length++] = '.';
            }
            else if (settings.ThousandsSeparator is { } thousands && (c == thousands || (thousands == ' ' && c is '\u00A0' or '\u202F')) && !sawDecimal && length > 0)
            {
                // Grouping: dropped.
            }
            else if (c == '-' && length == 0)
            {
                buffer[length++] = c;
            }
            else
            {
                return null;
            }
        }

        return decimal.TryParse(buffer[..length], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    /// <summary>Reads a date with the configured format; a date without an offset is local time in the configured zone.</summary>
    public bool TryParseDate(string text, out DateTimeOffset value)
    {
        value = default;
        if (!DateTime.TryParseExact(text, settings.DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind, out var parsed))
        {
            return false;
        }

        switch (parsed.Kind)
        {
            case DateTimeKind.Utc:
                value = new DateTimeOffset(parsed, TimeSpan.Zero);
                return true;
            case DateTimeKind.Local:
                value = new DateTimeOffset(parsed.ToUniversalTime(), TimeSpan.Zero);
                return true;
            default:
                var offset = settings.TimeZone.GetUtcOffset(parsed);
                value = new DateTimeOffset(parsed, offset);
                return true;
        }
    }

    private string DescribeBadNumber(string text) => LooksLikeFormula(text)
        ? "looks like a spreadsheet formula, not a number"
        : settings.ThousandsSeparator is { } t
            ? $"is not a number with '{settings.DecimalSeparator}' as the decimal separator and '{t}' between thousands (settings decimalSeparator, thousandsSeparator)"
            : $"is not a number with '{settings.DecimalSeparator}' as the decimal separator (settings decimalSeparator, thousandsSeparator)";

    private string DescribeDateFormat() => settings.DateFormats.Length == 1 ? settings.DateFormats[0] : "yyyy-MM-dd HH:mm:ss (ISO 8601)";
}
