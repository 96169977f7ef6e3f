namespace SevenStamp.Loyalty.Api;

/// <summary>
/// The customer's own page of a card, from which the wallet passes are added: the loyalty API shows its path in every
/// card (<see cref="CardResponse.WalletLink"/>). The page and its signed link belong to the wallet, which implements
/// this; Loyalty does not reference the wallet.
/// </summary>
public interface IWalletCardLinks
{
    /// <summary>The path of the card's page on this host.</summary>
    string PathFor(Guid cardId);
}
