namespace SevenStamp.Wallet;

/// <summary>
/// Where the customer adds their card to a wallet, below their card link: the Apple pass download and the Google
/// Wallet save link, each only when that provider is configured (<see cref="WalletServiceCollectionExtensions.IsAppleOn"/>,
/// <see cref="WalletServiceCollectionExtensions.IsGoogleOn"/>; a provider that is off answers its link with 404).
/// </summary>
public sealed class WalletPassLinks(CardLinks links, bool appleOn, bool googleOn)
{
    /// <summary>The path of the card's Apple pass (<c>…/apple.pkpass</c>), or null when Apple passes are off.</summary>
    public string? AppleFor(Guid cardId) => appleOn ? links.PathFor(cardId) + "/apple.pkpass" : null;

    /// <summary>The path that sends the customer to Google Wallet to save the card (<c>…/google</c>), or null when Google Wallet is off.</summary>
    public string? GoogleFor(Guid cardId) => googleOn ? links.PathFor(cardId) + "/google" : null;
}
