namespace SevenStamp.Contracts;

/// <summary>
/// A campaign finished sending: every card of its segment has its voucher of the campaign, or the campaign's pool of
/// Redeem Codes ran out (<see cref="PoolShortfall"/> cards wait for codes; importing codes resumes it, and it is sent
/// again when it completes again).
/// </summary>
public sealed record CampaignSent
{
    public required string MerchantId { get; init; }

    public required Guid CampaignId { get; init; }

    /// <summary>The owner's name for the campaign, e.g. "Spring thank-you".</summary>
    public required string Name { get; init; }

    /// <summary>Vouchers the campaign has issued in all.</summary>
    public required int VouchersIssued { get; init; }

    /// <summary>Cards of the segment left without a voucher because the campaign's pool had no code left.</summary>
    public required int PoolShortfall { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }
}
