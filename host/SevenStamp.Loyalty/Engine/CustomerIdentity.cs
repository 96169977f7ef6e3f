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
    /// (kind, value) pairs: a scanned card id, then the POS customer id scoped to its connector (POS ids are only
    /// unique within one POS), then the email hash, then the phone hash.
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
            identifiers.Add((Pos, PosValue(sale.ConnectorId, customer.PosCustomerId)));
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

    /// <summary>How a POS customer id is stored: scoped to the connector it came through.</summary>
    public static string PosValue(string connectorId, string posCustomerId) => $"{connectorId}:{posCustomerId.Trim()}";
}
