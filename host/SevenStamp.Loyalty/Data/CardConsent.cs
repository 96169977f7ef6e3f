namespace SevenStamp.Loyalty.Data;

/// <summary>
/// What a customer agreed to when they joined and gave more than the card needs: which details they gave (an e-mail
/// address and a phone number are kept only as hashes, <see cref="CustomerLink"/>; a birthday as day and month,
/// <see cref="Customer"/>), the consent text they were shown and its version, and when. One per card, written with
/// the card; a card joined with nothing optional has none.
/// </summary>
public sealed class CardConsent
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public Guid CardId { get; set; }

    public bool EmailGiven { get; set; }

    public bool PhoneGiven { get; set; }

    public bool BirthdayGiven { get; set; }

    /// <summary>The version of the consent text (<c>Engine.CardJoining.ConsentVersion</c>).</summary>
    public required string ConsentVersion { get; set; }

    /// <summary>The consent text as the customer read it (in their language on the join page).</summary>
    public required string ConsentText { get; set; }

    public DateTimeOffset GivenAt { get; set; }
}
