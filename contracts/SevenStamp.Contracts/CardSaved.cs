namespace SevenStamp.Contracts;

/// <summary>The customer added their card to a wallet app: an Apple device registered the pass, or Google Wallet saved it.</summary>
public sealed record CardSaved
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>Which wallet: <c>apple</c> or <c>google</c>.</summary>
    public required string Wallet { get; init; }

    public required DateTimeOffset SavedAt { get; init; }
}
