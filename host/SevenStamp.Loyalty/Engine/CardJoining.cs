using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>What a customer is offered on the merchant's join page: the program's name, the goal and the reward.</summary>
public sealed record JoinOffer(string MerchantId, string ProgramName, int StampGoal, string Reward);

/// <summary>
/// What a customer may give when joining, all optional: an e-mail address, a phone number (international form), the
/// day and month of their birthday; and whether they agreed to the consent text. Field names as the API spells them.
/// <see cref="Language"/> is the language they joined in (a BCP 47 tag such as <c>he</c>): the join page sends the
/// one it is shown in, an app the one it speaks; it is no personal detail and needs no consent.
/// </summary>
public sealed record JoinDetails(string? Email = null, string? Phone = null, int? BirthdayMonth = null, int? BirthdayDay = null, bool Consent = false, string? Language = null)
{
    /// <summary>Whether anything optional was given: then the consent is required.</summary>
    public bool GivesAnything => !string.IsNullOrWhiteSpace(Email) || !string.IsNullOrWhiteSpace(Phone) || BirthdayMonth is not null || BirthdayDay is not null;
}

/// <summary>
/// How joining went: the new card (and the consent recorded with it, if any); or <see cref="NoProgram"/> when the
/// merchant is unknown or has no program; or the errors by field (<c>email</c>, <c>phone</c>, <c>birthdayMonth</c>,
/// <c>birthdayDay</c>, <c>consent</c>), and nothing was created.
/// </summary>
public sealed record JoinOutcome(Guid? CardId, CardConsent? Consent, bool NoProgram, IReadOnlyList<SettingError> Errors)
{
    public static JoinOutcome Unknown { get; } = new(null, null, true, []);
}

/// <summary>
/// A customer joins a merchant's program on their own, from the merchant's poster: one card, no account, nothing
/// asked but what they choose to give. The one rule for the join page and <c>POST /api/join/{merchantId}</c>. An
/// e-mail address and a phone number are stored as connectors identify customers, as hash links
/// (<see cref="CustomerHash"/>, <see cref="CustomerIdentity"/>), never in clear, so a sale that carries the same
/// e-mail stamps this card; a birthday as day and month. Whatever is given needs the customer's consent, recorded with
/// the card (<see cref="CardConsent"/>). The customer, card, links and consent are written in one transaction, with
/// the <see cref="CardIssued"/> event (origin <see cref="CardOrigin.Join"/>, the customer's language) in the outbox.
/// </summary>
public sealed class CardJoining(LoyaltyDbContext db, TimeProvider timeProvider, OutboxSignal outboxSignal)
{
    /// <summary>The version of <see cref="ConsentText"/>; a new wording gets a new version.</summary>
    public const string ConsentVersion = "join-1";

    /// <summary>The consent the customer gives by ticking the box (the page shows it in the customer's language).</summary>
    public const string ConsentText = "I agree that this shop keeps the e-mail address, phone number or birthday I gave here with my stamp card, to find my card and to send me offers such as a birthday treat. I can ask the shop to delete them at any time.";

    /// <summary>The longest e-mail address accepted (RFC 5321's path limit).</summary>
    public const int MaxEmailLength = 254;

    private readonly CustomerResolver _customers = new(db);

    /// <summary>The merchant's program as the join page shows it; null when the merchant is unknown or has no program.</summary>
    public async Task<JoinOffer?> OfferAsync(string merchantId, CancellationToken cancellationToken)
    {
        if (!IsMerchantId(merchantId))
        {
            return null;
        }

        return await db.Programs.AsNoTracking()
            .Where(p => p.MerchantId == merchantId)
            .Select(p => new JoinOffer(p.MerchantId, p.Name, p.StampGoal, p.Reward))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// The errors of the optional details, by field; empty when they are fine (or not given). The page checks with
    /// this before it creates anything; <see cref="JoinAsync"/> checks again.
    /// </summary>
    public static IReadOnlyList<SettingError> Validate(JoinDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var errors = new List<SettingError>();
        if (!string.IsNullOrWhiteSpace(details.Email) && EmailHash(details.Email) is null)
        {
            errors.Add(new SettingError("email", "is not an e-mail address: check it (e.g. name@example.com), or leave it empty"));
        }

        if (!string.IsNullOrWhiteSpace(details.Phone) && PhoneHash(details.Phone) is null)
        {
            errors.Add(new SettingError("phone", "is not a phone number in international form: start with + and the country code (e.g. +44 20 7946 0958), or leave it empty"));
        }

        switch (details.BirthdayMonth, details.BirthdayDay)
        {
            case (null, null):
                break;
            case (null, _):
                errors.Add(new SettingError("birthdayMonth", "is missing: give the month of your birthday with its day, or neither"));
                break;
            case (_, null):
                errors.Add(new SettingError("birthdayDay", "is missing: give the day of your birthday with its month, or neither"));
                break;
            case ({ } month, _) when month is < 1 or > 12:
                errors.Add(new SettingError("birthdayMonth", "must be a month from 1 to 12"));
                break;
            case ({ } month, { } day) when day < 1 || day > DateTime.DaysInMonth(2024, month):
                // 2024: a leap year, so 29 February is a birthday.
                errors.Add(new SettingError("birthdayDay", $"must be a day from 1 to {DateTime.DaysInMonth(2024, month)} of that month"));
                break;
        }

        if (!string.IsNullOrWhiteSpace(details.Language) && LanguageTag(details.Language) is null)
        {
            errors.Add(new SettingError("language", "is not a language tag: give one such as en, he or zh-Hans, or leave it out"));
        }

        if (details.GivesAnything && !details.Consent)
        {
            errors.Add(new SettingError("consent", "is required to keep what you gave: tick the box, or leave the e-mail, phone and birthday empty"));
        }

        return errors;
    }

    /// <summary>
    /// Creates the customer's card in the merchant's program, with what they gave. <paramref name="consentText"/> is
    /// the consent as the customer read it (the page's translation); the API's clients read <see cref="ConsentText"/>.
    /// An e-mail address or phone number that already belongs to another card of the merchant is refused (field
    /// error): the customer is told to leave it out or ask at the counter, and that card stays theirs alone.
    /// </summary>
    public async Task<JoinOutcome> JoinAsync(string merchantId, JoinDetails details, string? consentText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        var errors = Validate(details);
        if (errors.Count > 0)
        {
            return new JoinOutcome(null, null, false, errors);
        }

        if (!IsMerchantId(merchantId))
        {
            return JoinOutcome.Unknown;
        }

        var programId = await db.Programs.AsNoTracking().Where(p => p.MerchantId == merchantId).Select(p => (Guid?)p.Id).SingleOrDefaultAsync(cancellationToken);
        if (programId is null)
        {
            return JoinOutcome.Unknown;
        }

        var links = new List<(string Kind, string Value, string Field)>(2);
        if (!string.IsNullOrWhiteSpace(details.Email))
        {
            links.Add((CustomerIdentity.Email, EmailHash(details.Email)!, "email"));
        }

        if (!string.IsNullOrWhiteSpace(details.Phone))
        {
            links.Add((CustomerIdentity.Phone, PhoneHash(details.Phone)!, "phone"));
        }

        var now = timeProvider.GetUtcNow();
        var customer = _customers.Enroll(merchantId, loyaltyCardId: null, now);
        customer.BirthMonth = details.BirthdayMonth;
        customer.BirthDay = details.BirthdayDay;
        customer.Language = LanguageTag(details.Language);
        var card = new Card { Id = Guid.NewGuid(), ProgramId = programId.Value, CustomerId = customer.Id, MerchantId = merchantId, CreatedAt = now, UpdatedAt = now };
        db.Cards.Add(card);
        CardConsent? consent = null;
        if (details.GivesAnything)
        {
            var text = string.IsNullOrWhiteSpace(consentText) ? ConsentText : consentText.Trim();
            consent = new CardConsent
            {
                Id = Guid.NewGuid(),
                MerchantId = merchantId,
                CardId = card.Id,
                EmailGiven = !string.IsNullOrWhiteSpace(details.Email),
                PhoneGiven = !string.IsNullOrWhiteSpace(details.Phone),
                BirthdayGiven = details.BirthdayMonth is not null,
                ConsentVersion = ConsentVersion,
                ConsentText = text.Length > LoyaltyDbContext.ConsentTextLength ? text[..LoyaltyDbContext.ConsentTextLength] : text,
                GivenAt = now,
            };
            db.CardConsents.Add(consent);
        }

        Outbox.Enqueue(db, new CardIssued { MerchantId = merchantId, CardId = card.Id, CustomerId = customer.Id, Origin = CardOrigin.Join, Language = customer.Language, IssuedAt = now }, now);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            var taken = new List<SettingError>();
            foreach (var (kind, value, field) in links)
            {
                if (await _customers.LinkAsync(merchantId, kind, value, customer.Id, now, cancellationToken) == LinkOutcome.LinkedElsewhere)
                {
                    taken.Add(new SettingError(field, "already belongs to a card here: leave it empty to get a new card, or ask at the counter to find yours"));
                }
            }

            if (taken.Count > 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return new JoinOutcome(null, null, false, taken);
            }

            await transaction.CommitAsync(cancellationToken);
            outboxSignal.Notify();
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        return new JoinOutcome(card.Id, consent, false, []);
    }

    /// <summary>The hash an e-mail address is linked by, or null when it is not one address (name@domain.tld, no name part, no spaces).</summary>
    public static string? EmailHash(string? email)
    {
        var text = email?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxEmailLength || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            || !MailAddress.TryCreate(text, out var address) || !string.Equals(address.Address, text, StringComparison.Ordinal)
            || !address.Host.Contains('.', StringComparison.Ordinal) || address.Host.StartsWith('.') || address.Host.EndsWith('.'))
        {
            return null;
        }

        return CustomerHash.Email(text);
    }

    /// <summary>
    /// The hash a phone number is linked by, or null when it is not one in international form: a leading + (or 00)
    /// and 7–15 digits (E.164), with spaces, dashes, dots, slashes or brackets between them.
    /// </summary>
    public static string? PhoneHash(string? phone)
    {
        var text = phone?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 32 || !(text.StartsWith('+') || text.StartsWith("00", StringComparison.Ordinal))
            || text[1..].Any(c => !(char.IsAsciiDigit(c) || c is ' ' or '-' or '.' or '/' or '(' or ')')))
        {
            return null;
        }

        var digits = text.Count(char.IsAsciiDigit) - (text.StartsWith("00", StringComparison.Ordinal) ? 2 : 0);
        return digits is >= 7 and <= 15 ? CustomerHash.Phone(text) : null;
    }

    /// <summary>
    /// The language tag as kept (trimmed), or null when there is none or it is not one: a primary language of 2 to 8
    /// letters, then subtags of 1 to 8 letters or digits after hyphens, at most
    /// <see cref="LoyaltyDbContext.LanguageLength"/> characters in all.
    /// </summary>
    public static string? LanguageTag(string? language)
    {
        var text = language?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > LoyaltyDbContext.LanguageLength)
        {
            return null;
        }

        var parts = text.Split('-');
        return parts[0].Length is >= 2 and <= 8 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 1 and <= 8 && p.All(char.IsAsciiLetterOrDigit))
            ? text
            : null;
    }

    private static bool IsMerchantId(string? merchantId) =>
        merchantId is { Length: > 0 and <= LoyaltyDbContext.IdLength } && !merchantId.Any(char.IsControl);
}
