namespace SevenStamp.Http.Access;

/// <summary>
/// What a request needs of its caller on a merchant. Each management route asks for one (by its metadata, else by its
/// HTTP method: reads need <see cref="Read"/>, changes <see cref="Write"/>); roles and key scopes grant them
/// (the accounts' Permissions).
/// </summary>
public enum Permission
{
    /// <summary>See the program, cards, vouchers, connectors and their state.</summary>
    Read = 0,

    /// <summary>Change the program, cards, vouchers, pool, connectors, staff tokens.</summary>
    Write = 1,

    /// <summary>At the counter: redeem a voucher, add stamps, look a card up by scan.</summary>
    Redeem = 2,

    /// <summary>Create, rotate and revoke the merchant's API keys.</summary>
    ManageKeys = 3,

    /// <summary>Invite and remove the merchant's people, read the audit log.</summary>
    ManagePeople = 4,
}
