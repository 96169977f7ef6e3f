using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// The "Add to Google Wallet" link of a card: <c>https://pay.google.com/gp/v/save/{jwt}</c>, the JWT signed (RS256)
/// with the service account's key and carrying <c>iss</c> (the service account), <c>aud</c> <c>google</c>,
/// <c>typ</c> <c>savetowallet</c>, <c>iat</c>, <c>origins</c> and <c>payload.loyaltyObjects</c>.
/// </summary>
public sealed class GoogleSaveLinks(GoogleServiceAccount account, IOptions<GoogleWalletOptions> options, TimeProvider time)
{
    public const string SaveUrlPrefix = "https://pay.google.com/gp/v/save/";

    /// <summary>How long a customer waits for Google before the link carries the whole object instead.</summary>
    public static readonly TimeSpan SendBudget = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A link that names the card's object by id; the object must exist at Google (<see cref="GoogleWalletSync"/>
    /// makes sure of it). With <paramref name="embed"/> the link carries the whole class and object instead, so
    /// Google creates them when the customer saves the pass.
    /// </summary>
    public Uri LinkFor(CardSnapshot card, bool embed)
    {
        ArgumentNullException.ThrowIfNull(card);
        var settings = options.Value;
        var payload = new JsonObject();
        if (embed)
        {
            payload["loyaltyClasses"] = new JsonArray(GoogleLoyaltyPass.Class(card, settings));
            payload["loyaltyObjects"] = new JsonArray(GoogleLoyaltyPass.Object(card, settings));
        }
        else
        {
            payload["loyaltyObjects"] = new JsonArray(new JsonObject
            {
                ["id"] = GoogleLoyaltyPass.ObjectId(settings.IssuerId, card.CardId),
                ["classId"] = GoogleLoyaltyPass.ClassId(settings.IssuerId, card.ProgramId),
            });
        }

        var claims = new JsonObject
        {
            ["iss"] = account.Email,
            ["aud"] = "google",
            ["typ"] = "savetowallet",
            ["iat"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["origins"] = new JsonArray([.. settings.Origins.Select(o => (JsonNode)JsonValue.Create(o.TrimEnd('/')))]),
            ["payload"] = payload,
        };
        return new Uri(SaveUrlPrefix + account.SignJwt(claims));
    }

    /// <summary>Sends the card's current state to Google, then hands out the short link; if Google cannot be reached now, the link carries the whole object.</summary>
    public async Task<Uri> EnsureAndLinkAsync(CardSnapshot card, GoogleWalletSync sync, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(sync);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(SendBudget);
        try
        {
            await sync.SendAsync(card, options.Value, budget.Token).ConfigureAwait(false);
            return LinkFor(card, embed: false);
        }
        catch (Exception ex) when (ex is GoogleWalletException or HttpRequestException or TimeoutRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            GoogleWalletLog.SaveLinkFallback(logger, card.CardId, ex.Message);
            return LinkFor(card, embed: true);
        }
    }
}
