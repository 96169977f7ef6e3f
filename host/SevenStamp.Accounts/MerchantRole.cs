namespace SevenStamp.Accounts;

/// <summary>What a person of a merchant is.</summary>
public enum MerchantRole
{
    /// <summary>Manages everything of the merchant: the program, connectors, staff, API keys, people and webhooks.</summary>
    Owner = 0,

    /// <summary>Everything an owner does but API keys and people.</summary>
    Manager = 1,

    /// <summary>At the counter: redeem vouchers, add stamps and look a card up by scan; nothing else.</summary>
    Staff = 2,
}
