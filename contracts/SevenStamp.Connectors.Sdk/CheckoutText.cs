using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// The one rule for text in checkout records, applied by the host to every record a connector publishes and to every
/// id and code the management API takes, so <c>ana</c> and <c>ana</c> followed by a zero-width space are one customer
/// wherever they come from. A connector may call it itself to refuse a bad value early, naming its own field.
/// </summary>
/// <remarks>
/// <para>Identifiers (sale, refund, location, customer and loyalty card ids, Redeem Codes, SKUs, catalog ids) are
/// trimmed and lose every invisible formatting character (Unicode category Cf: zero-width spaces and joiners, bidi
/// embeddings and overrides such as U+202E, the byte order mark U+FEFF, soft hyphens, word joiners, tag characters),
/// so text that looks the same compares the same. (Canonical composition, é against e and a combining accent, is not
/// applied: the host runs without ICU, in invariant globalization mode.) What cannot be made right
/// is refused, naming the field: a control character or line break inside the value, an unpaired UTF-16 surrogate,
/// U+FFFD (the mark a decoder leaves where bytes were not UTF-8), a Unicode noncharacter, or more than
/// <see cref="MaxIdentifierLength"/> characters.</para>
/// <para>Display text (item names, categories, discount names) is kept as readable as possible instead: invisible
/// formatting characters and noncharacters are removed, each run of control characters and line breaks becomes one space, and it is
/// cut at <see cref="MaxTextLength"/> characters. Only an unpaired surrogate refuses it.</para>
/// <para>Amounts, dates and the currency are checked where they are parsed, not here.</para>
/// </remarks>
public static class CheckoutText
{
    /// <summary>The longest identifier accepted, in UTF-16 characters after normalization.</summary>
    public const int MaxIdentifierLength = 200;

    /// <summary>Display text longer than this is cut.</summary>
    public const int MaxTextLength = 500;

    /// <summary>
    /// Normalizes an identifier (see the class remarks). Returns false with <paramref name="problem"/> (what is wrong,
    /// never the value) when it cannot be accepted. An identifier that is empty once normalized comes back as an empty
    /// string: an optional id is then absent, a required one missing.
    /// </summary>
    public static bool TryNormalizeIdentifier(string value, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (IsPlainAscii(value) && value.Length <= MaxIdentifierLength)
        {
            // The common case: printable ASCII with no padding is already in its normal form.
            (normalized, problem) = (value, null);
            return true;
        }

        normalized = null;
        var builder = new StringBuilder(value.Length);
        var index = 0;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                problem = "contains a broken character (an unpaired UTF-16 surrogate); send it as valid UTF-8 text";
                return false;
            }

            index += consumed;
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
            {
                continue;
            }

            builder.Append(rune.ToString());
        }

        var text = builder.ToString().Trim();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                problem = $"contains a control character or line break (character {i + 1}); an id is one line of printable text";
                return false;
            }

            if (c == '\uFFFD')
            {
                problem = $"contains U+FFFD at character {i + 1}, the mark of bytes that were not valid UTF-8; send it as UTF-8 text";
                return false;
            }

            if (IsNoncharacter(text, i))
            {
                problem = $"contains a Unicode noncharacter (character {i + 1}); send printable text";
                return false;
            }
        }

        if (text.Length > MaxIdentifierLength)
        {
            problem = $"is {text.Length} characters long; at most {MaxIdentifierLength} are accepted";
            return false;
        }

        (normalized, problem) = (text, null);
        return true;
    }

    /// <summary>
    /// Normalizes display text (see the class remarks). Returns false only for an unpaired surrogate, which no valid
    /// UTF-8 text decodes to.
    /// </summary>
    public static bool TryNormalizeText(string value, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (IsPlainAscii(value) && value.Length <= MaxTextLength)
        {
            (normalized, problem) = (value, null);
            return true;
        }

        normalized = null;
        var builder = new StringBuilder(value.Length);
        var index = 0;
        var control = false;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                problem = "contains a broken character (an unpaired UTF-16 surrogate); send it as valid UTF-8 text";
                return false;
            }

            index += consumed;
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.Format || IsNoncharacter(rune))
            {
                continue;
            }

            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                // A line break (CR LF) or a run of controls becomes one space.
                if (!control)
                {
                    builder.Append(' ');
                }

                control = true;
                continue;
            }

            control = false;
            builder.Append(rune.ToString());
        }

        var text = builder.ToString().Trim();
        if (text.Length > MaxTextLength)
        {
            // Never between the two halves of a surrogate pair.
            var cut = char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
            text = text[..cut].TrimEnd();
        }

        (normalized, problem) = (text, null);
        return true;
    }

    /// <summary>
    /// The sale with every identifier and text normalized, or <see cref="CheckoutRecordRejectedException"/> naming the
    /// first field that cannot be. An optional id that normalizes to nothing is dropped; a required one is refused.
    /// </summary>
    public static SaleCompleted Normalize(SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        var customer = sale.Customer ?? CustomerIdentifiers.None;
        var normalizedCustomer = customer with
        {
            PosCustomerId = OptionalId(customer.PosCustomerId, "customer.posCustomerId"),
            LoyaltyCardId = OptionalId(customer.LoyaltyCardId, "customer.loyaltyCardId"),
            PhoneHash = OptionalId(customer.PhoneHash, "customer.phoneHash"),
            EmailHash = OptionalId(customer.EmailHash, "customer.emailHash"),
        };

        var items = sale.LineItems ?? [];
        var lineItems = new SaleLineItem[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new CheckoutRecordRejectedException($"lineItems[{i}]", "is null; leave out lines that are not there");
            lineItems[i] = item with
            {
                Sku = OptionalId(item.Sku, $"lineItems[{i}].sku"),
                CatalogObjectId = OptionalId(item.CatalogObjectId, $"lineItems[{i}].catalogObjectId"),
                Name = Text(item.Name ?? string.Empty, $"lineItems[{i}].name"),
                Category = item.Category is null ? null : Text(item.Category, $"lineItems[{i}].category"),
            };
        }

        var given = sale.Discounts ?? [];
        var discounts = new AppliedDiscount[given.Count];
        for (var i = 0; i < given.Count; i++)
        {
            var discount = given[i] ?? throw new CheckoutRecordRejectedException($"discounts[{i}]", "is null; leave out discounts that are not there");
            discounts[i] = discount with
            {
                Code = OptionalId(discount.Code, $"discounts[{i}].code"),
                Name = discount.Name is null ? null : Text(discount.Name, $"discounts[{i}].name"),
                CatalogObjectId = OptionalId(discount.CatalogObjectId, $"discounts[{i}].catalogObjectId"),
            };
        }

        return sale with
        {
            ExternalSaleId = RequiredId(sale.ExternalSaleId, "externalSaleId"),
            Customer = normalizedCustomer == CustomerIdentifiers.None ? CustomerIdentifiers.None : normalizedCustomer,
            SourceEventId = OptionalId(sale.SourceEventId, "sourceEventId"),
            LocationId = OptionalId(sale.LocationId, "locationId"),
            LineItems = lineItems,
            Discounts = discounts,
        };
    }

    /// <summary>The refund with its ids normalized, or <see cref="CheckoutRecordRejectedException"/> naming the field.</summary>
    public static SaleRefunded Normalize(SaleRefunded refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return refund with
        {
            ExternalRefundId = RequiredId(refund.ExternalRefundId, "externalRefundId"),
            ExternalSaleId = RequiredId(refund.ExternalSaleId, "externalSaleId"),
            SourceEventId = OptionalId(refund.SourceEventId, "sourceEventId"),
        };
    }

    /// <summary>A required identifier, normalized, or <see cref="CheckoutRecordRejectedException"/> naming <paramref name="field"/>.</summary>
    public static string RequiredId(string? value, string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var normalized = OptionalId(value, field);
        return normalized ?? throw new CheckoutRecordRejectedException(field, value is null ? "is required" : "is empty once blanks and invisible characters are removed; it is required");
    }

    /// <summary>An optional identifier, normalized; null when absent or empty once normalized.</summary>
    public static string? OptionalId(string? value, string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (value is null)
        {
            return null;
        }

        return TryNormalizeIdentifier(value, out var normalized, out var problem)
            ? (normalized.Length == 0 ? null : normalized)
            : throw new CheckoutRecordRejectedException(field, problem);
    }

    private static string Text(string value, string field) =>
        TryNormalizeText(value, out var normalized, out var problem) ? normalized : throw new CheckoutRecordRejectedException(field, problem);

    private static bool IsPlainAscii(string value)
    {
        if (value.Length > 0 && (value[0] == ' ' || value[^1] == ' '))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNoncharacter(string text, int index) =>
        Rune.TryGetRuneAt(text, index, out var rune) && IsNoncharacter(rune);

    private static bool IsNoncharacter(Rune rune) =>
        rune.Value is >= 0xFDD0 and <= 0xFDEF || (rune.Value & 0xFFFE) == 0xFFFE;
}
