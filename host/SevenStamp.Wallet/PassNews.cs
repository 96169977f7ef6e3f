using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet;

/// <summary>The reminder a pass shows (Apple's "news" field, Google's message), in the words of <see cref="PassPhrases"/>.</summary>
public static class PassNews
{
    /// <summary>The reminder's text, said through <paramref name="say"/>; null when the card has none now.</summary>
    public static string? Of(CardSnapshot card, PassPhrases say)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(say);
        return card.Reminder switch
        {
            { Kind: PassReminderKind.VoucherExpiringSoon, ExpiresAt: { } expires } when card.Featured is { } voucher =>
                say.Say("Your voucher “{0}” expires on {1:D}. Use it before then!", voucher.Reward, expires.UtcDateTime),
            { Kind: PassReminderKind.ComeBack } => say.Say("We miss you! Come back soon: your card has {0} of {1} stamps.", card.Stamps, card.Goal),
            _ => null,
        };
    }
}
