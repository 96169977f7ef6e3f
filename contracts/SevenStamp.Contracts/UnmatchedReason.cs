namespace SevenStamp.Contracts;

/// <summary>Why a sale earned no stamps for want of a card.</summary>
public enum UnmatchedReason
{
    /// <summary>The sale named no customer at all.</summary>
    NoCustomer = 0,

    /// <summary>The sale named a customer no card is linked to, and the program does not enrol new customers from sales.</summary>
    UnknownCustomer = 1,

    /// <summary>The merchant has no loyalty program.</summary>
    NoProgram = 2,
}
