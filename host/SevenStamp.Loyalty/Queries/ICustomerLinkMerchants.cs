using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>Whose card or voucher a customer's link opens: another area (the pages' language) asks loyalty this, never its tables.</summary>
public interface ICustomerLinkMerchants
{
    /// <summary>The merchant of the card, or null when there is no such card.</summary>
    Task<string?> OfCardAsync(Guid cardId, CancellationToken cancellationToken);

    /// <summary>The merchant of the voucher, or null when there is no such voucher.</summary>
    Task<string?> OfVoucherAsync(Guid voucherId, CancellationToken cancellationToken);
}

internal sealed class CustomerLinkMerchants(LoyaltyDbContext db) : ICustomerLinkMerchants
{
    public Task<string?> OfCardAsync(Guid cardId, CancellationToken cancellationToken) =>
        db.Cards.Where(c => c.Id == cardId).Select(c => c.MerchantId).SingleOrDefaultAsync(cancellationToken);

    public Task<string?> OfVoucherAsync(Guid voucherId, CancellationToken cancellationToken) =>
        db.Vouchers.Where(v => v.Id == voucherId).Select(v => v.MerchantId).SingleOrDefaultAsync(cancellationToken);
}
