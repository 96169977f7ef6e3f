using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Api;

/// <summary>A voucher as the API shows it; <see cref="Link"/> is the customer's own voucher link (a path on this host).</summary>
public sealed record VoucherResponse(
    Guid Id,
    int Cycle,
    string Code,
    string Reward,
    VoucherState State,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? ClosedAt,
    RedemptionMethod? RedeemedBy,
    string? RedeemedBySaleId,
    string? RedeemedByStaffId,
    string Link)
{
    public static VoucherResponse From(Voucher voucher, VoucherLinks links) => new(
        voucher.Id, voucher.Cycle, voucher.Code, voucher.Reward, voucher.State, voucher.IssuedAt, voucher.ExpiresAt, voucher.ClosedAt,
        voucher.RedeemedBy, voucher.RedeemedBySaleId, voucher.RedeemedByStaffId, links.PathFor(voucher.Id));
}

/// <summary>A card: stamps toward the goal (<see cref="Progress"/> of <see cref="Goal"/>), debt from refunds, and its vouchers.</summary>
/// <summary>A card; <c>WalletLink</c> is the customer's own page of it, from which the wallet passes are added.</summary>
public sealed record CardResponse(Guid CardId, string MerchantId, int Progress, int Goal, int Debt, int TotalStamps, int CyclesCompleted, IReadOnlyList<VoucherResponse> Vouchers, string WalletLink)
{
    public static CardResponse From(CardView card, VoucherLinks links, IWalletCardLinks cardLinks) => new(
        card.CardId, card.MerchantId, card.Progress, card.Goal, card.Debt, card.TotalStamps, card.CyclesCompleted, [.. card.Vouchers.Select(v => VoucherResponse.From(v, links))], cardLinks.PathFor(card.CardId));
}

/// <summary>What a redemption request did, in words for the counter, and the voucher as it now stands.</summary>
public sealed record RedemptionResponse(RedemptionOutcome Outcome, string Message, VoucherResponse? Voucher);

public sealed record EnrollRequest(string? LoyaltyCardId);

/// <summary>
/// Exactly one of: a loyalty card id, or a POS customer id with the point-of-sale system it belongs to
/// (<see cref="SourceSystem"/>, or <see cref="ConnectorId"/>: the source system of that connector).
/// </summary>
public sealed record LinkRequest(string? LoyaltyCardId, string? ConnectorId, string? PosCustomerId, string? SourceSystem = null);

public sealed record StaffRequest(string? StaffId);

public sealed record StaffTokenResponse(string StaffId, string Token);

/// <summary>
/// The code or the QR content of the voucher the customer presents, and the POS location id of the counter (required
/// of staff limited to some locations, and one of theirs).
/// </summary>
public sealed record RedeemRequest(string? Code, string? LocationId = null);

public sealed record PoolImportResponse(int Received, int Added, int VouchersMinted);

public sealed record UnmatchedResponse(int Count, IReadOnlyList<UnmatchedSale> Recent);

public sealed record VoidRequest(string? Reason);

/// <summary>A voucher with every change of its state: when, to what, how, and the sale or staff member behind it.</summary>
public sealed record VoucherDetailResponse(VoucherResponse Voucher, IReadOnlyList<VoucherHistoryEntry> History);

/// <summary>Stamps to add (positive) or take away (negative) by hand, and why.</summary>
public sealed record StampAdjustmentRequest(int? Delta, string? Reason);

/// <summary>An adjustment as the ledger keeps it, and the card's stamps toward the goal afterwards.</summary>
public sealed record StampAdjustmentResponse(Guid AdjustmentId, int Delta, string Reason, string? Actor, DateTimeOffset At, int Progress, int Goal, int Debt, int VouchersIssued)
{
    public static StampAdjustmentResponse From(StampAdjustmentResult result, StampAdjustment entry)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.Id, entry.Stamps, entry.Reason, entry.Actor, entry.At, result.Progress, result.Goal, result.Debt, entry.VouchersIssued);
    }
}

/// <summary>
/// The card a customer just took: its program's name, goal and reward, and <see cref="WalletLink"/>, the customer's own
/// card page (keep it: it is the card). <see cref="Consent"/> says what was kept with their consent, if anything.
/// </summary>
public sealed record JoinResponse(Guid CardId, string MerchantId, string ProgramName, int Goal, string Reward, string WalletLink, JoinConsentResponse? Consent);

/// <summary>What the customer gave (kept as hashes, or day and month), the consent text's version, and when.</summary>
public sealed record JoinConsentResponse(bool Email, bool Phone, bool Birthday, string Version, DateTimeOffset GivenAt);
