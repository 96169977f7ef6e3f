using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>
/// One card as a wallet pass shows it (read through <see cref="ICardSnapshots"/>): the program, the stamps toward the
/// goal (<c>Stamps</c>, never negative), the stamps owed after refunds (<c>Debt</c>), every voucher newest first, and
/// <c>UpdatedAt</c>, the latest change to the card or any of its vouchers (a pass's Last-Modified).
/// </summary>
public sealed record CardSnapshot(
    Guid CardId,
    string MerchantId,
    Guid ProgramId,
    string ProgramName,
    string Reward,
    int Goal,
    int Stamps,
    int Debt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<VoucherSnapshot> Vouchers)
{
    /// <summary>How the program's vouchers are redeemed (the customer's page offers "Use now" for <see cref="RedemptionPath.SelfRedeem"/>).</summary>
    public RedemptionPath RedemptionPath { get; init; }

    /// <summary>
    /// The message the pass shows now: the featured voucher's expiry reminder once it was sent, else the inactivity
    /// nudge while no visit followed it; null when neither applies.
    /// </summary>
    public PassReminder? Reminder { get; init; }

    /// <summary>The voucher the pass features: the oldest one still redeemable, else the newest.</summary>
    public VoucherSnapshot? Featured =>
        Vouchers.Where(v => v.State == VoucherState.Issued).OrderBy(v => v.IssuedAt).ThenBy(v => v.Cycle).FirstOrDefault() ?? Vouchers.FirstOrDefault();
}

/// <summary>One voucher as a pass shows it; <c>ClosedAt</c> is when it was redeemed, expired or voided (null while redeemable).</summary>
public sealed record VoucherSnapshot(
    Guid VoucherId,
    int Cycle,
    string RedeemCode,
    string Reward,
    VoucherState State,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? ClosedAt)
{
    /// <summary>Whether it can be redeemed at <paramref name="at"/>: the engine's own test (<see cref="Voucher.IsRedeemable"/>).</summary>
    public bool IsRedeemableAt(DateTimeOffset at) => Voucher.IsRedeemable(State, ExpiresAt, at);

    /// <summary>Why it was minted: the stamp goal, a visit milestone or a campaign.</summary>
    public VoucherKind Kind { get; init; }

    /// <summary>How it is redeemed; null: its program's path (vouchers minted before vouchers carried one).</summary>
    public RedemptionPath? RedemptionPath { get; init; }

    /// <summary>When the customer was reminded that it expires soon; null when not (yet).</summary>
    public DateTimeOffset? ReminderSentAt { get; init; }
}

/// <summary>A message on the pass: a voucher's expiry reminder (with the voucher's expiry) or an inactivity nudge, sent at <c>SentAt</c>.</summary>
public sealed record PassReminder(PassReminderKind Kind, DateTimeOffset SentAt, DateTimeOffset? ExpiresAt);

public enum PassReminderKind
{
    VoucherExpiringSoon = 0,
    ComeBack = 1,
}
