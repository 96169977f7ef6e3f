using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SevenStamp.Http;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// A customer joins a merchant's program on their own (the poster's QR code leads to the join page; an app or a kiosk
/// uses this): anonymous, as anyone may take a card, and rate limited per client and per merchant
/// (<see cref="RateLimits.Join"/>): 429 with <c>Retry-After</c> past either. The rule is <see cref="CardJoining"/>'s,
/// which the join page calls too.
/// </summary>
internal static class JoinApi
{
    public static IEndpointRouteBuilder MapJoinApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/join/{merchantId}", JoinAsync).AllowAnonymous().WithTags("Joining")
            .WithSummary("A customer takes a card in the merchant's program; e-mail, phone and birthday only if they want, with consent")
            .WithDescription($"Optional: email, phone (international form), birthdayMonth and birthdayDay (both or neither), each only with consent: true, which records the consent text version {CardJoining.ConsentVersion}: \"{CardJoining.ConsentText}\" Optional too: language, the language the customer joined in (a BCP 47 tag such as he or zh-Hans), kept with the customer and carried by the card_issued event. 201 with the card and its walletLink (the customer's card page); 400 with the field at fault; 404 when the merchant has no program.")
            .RequireRateLimiting(RateLimits.Join);
        return endpoints;
    }

    private static async Task<IResult> JoinAsync(string merchantId, JoinDetails? details, CardJoining joining, IWalletCardLinks cardLinks, CancellationToken cancellationToken)
    {
        var offer = await joining.OfferAsync(merchantId, cancellationToken);
        if (offer is null)
        {
            return Results.Problem("This shop has no stamp card to join.", statusCode: StatusCodes.Status404NotFound);
        }

        var joined = await joining.JoinAsync(merchantId, details ?? new JoinDetails(), consentText: null, cancellationToken);
        if (joined.Errors.Count > 0)
        {
            return FieldErrors.Problem(joined.Errors);
        }

        if (joined.CardId is not { } cardId)
        {
            return Results.Problem("This shop has no stamp card to join.", statusCode: StatusCodes.Status404NotFound);
        }

        var link = cardLinks.PathFor(cardId);
        var consent = joined.Consent is { } given
            ? new JoinConsentResponse(given.EmailGiven, given.PhoneGiven, given.BirthdayGiven, given.ConsentVersion, given.GivenAt)
            : null;
        return Results.Created(link, new JoinResponse(cardId, merchantId, offer.ProgramName, offer.StampGoal, offer.Reward, link, consent));
    }
}
