using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Engine;

/// <summary>The identifiers a sale names its customer by, strongest first, as they are kept in the link table.</summary>
public static class CustomerIdentity
{
    public const string Card = "card";
    public const string Pos = "pos";
    public const string Email = "email";
    public const string Phone = "phone";

    /// <summary>
    /// (kind, value) pairs: a scanned card id, then the POS customer id scoped to the sale's source system (POS ids are
    /// only unique within one POS; <see cref="SaleSource"/>), then the email hash, then the phone hash.
    /// </summary>
    public static IReadOnlyList<(string Kind, string Value)> Of(SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        var customer = sale.Customer;
        var identifiers = new List<(string, string)>(4);
        if (!string.IsNullOrWhiteSpace(customer.LoyaltyCardId))
        {
            identifiers.Add((Card, customer.LoyaltyCardId.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(customer.PosCustomerId))
        {
            identifiers.Add((Pos, PosValue(SaleSource.Of(sale), customer.PosCustomerId)));
        }

        if (!string.IsNullOrWhiteSpace(customer.EmailHash))
        {
            identifiers.Add((Email, customer.EmailHash.Trim().ToLowerInvariant()));
        }

        if (!string.IsNullOrWhiteSpace(customer.PhoneHash))
        {
            identifiers.Add((Phone, customer.PhoneHash.Trim().ToLowerInvariant()));
        }

        return identifiers;
    }

    /// <summary>
    /// The identifier a POS customer id was stored under before its connector named a source system (scoped to the
    /// connector), or null when the sale has no POS customer id or its source system is its connector id. It is
    /// looked up, never written: a customer known under the old scope keeps their card.
    /// </summary>
    public static (string Kind, string Value)? LegacyPosIdentifier(SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        return !string.IsNullOrWhiteSpace(sale.Customer.PosCustomerId) && sale.SourceSystem is { } source && source != sale.ConnectorId
            ? (Pos, PosValue(sale.ConnectorId, sale.Customer.PosCustomerId))
            : null;
    }

    /// <summary>How a POS customer id is stored: scoped to the point-of-sale system it came from (its source system).</summary>
    public static string PosValue(string sourceSystem, string posCustomerId) => $"{sourceSystem}:{posCustomerId.Trim()}";
}
