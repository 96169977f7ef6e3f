using SevenStamp.Contracts;

namespace SevenStamp.Loyalty;

/// <summary>
/// Picks the key a sale's card is found by: a scanned loyalty card first, then the POS customer id
/// (scoped to the connector, as POS ids are only unique within one POS), then the email hash, then the
/// phone hash. Returns null for an anonymous sale.
/// </summary>
public static class CustomerKey
{
    public static string? For(SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        var customer = sale.Customer;
        if (!string.IsNullOrWhiteSpace(customer.LoyaltyCardId))
        {
            return "card:" + customer.LoyaltyCardId.Trim();
        }

        if (!string.IsNullOrWhiteSpace(customer.PosCustomerId))
        {
            return $"pos:{sale.ConnectorId}:{customer.PosCustomerId.Trim()}";
        }

        if (!string.IsNullOrWhiteSpace(customer.EmailHash))
        {
            return "email:" + customer.EmailHash.Trim().ToLowerInvariant();
        }

        return string.IsNullOrWhiteSpace(customer.PhoneHash) ? null : "phone:" + customer.PhoneHash.Trim().ToLowerInvariant();
    }
}
