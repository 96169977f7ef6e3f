using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet.Google;

/// <summary>What <see cref="GoogleWalletSync.SyncAsync"/> did.</summary>
public enum GoogleSyncOutcome
{
    /// <summary>No such card in the store (nothing to show).</summary>
    CardMissing,

    /// <summary>The loyalty object did not exist and was inserted.</summary>
    Created,

    /// <summary>The loyalty object was patched with the card's current state.</summary>
    Patched,
}

/// <summary>
/// Brings a card's Google Wallet object to the card's current state: creates the program's class and the card's
/// object when missing, otherwise patches the object. It always sends the whole current state, so repeating it,
/// or running it for events out of order, converges; after a patch it reads the card again and sends once more if
/// the card changed meanwhile, so two updates racing for one card end on the newer state.
/// </summary>
public sealed class GoogleWalletSync(
    ICardSnapshots cards,
    GoogleWalletClient client,
    GoogleClassRegistry classes,
    IOptions<GoogleWalletOptions> options,
    ILogger<GoogleWalletSync> logger)
{
    private const int MaxRounds = 3;

    public async Task<GoogleSyncOutcome> SyncAsync(Guid cardId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var card = await cards.FindAsync(cardId, cancellationToken).ConfigureAwait(false);
        if (card is null)
        {
            GoogleWalletLog.CardMissing(logger, cardId);
            return GoogleSyncOutcome.CardMissing;
        }

        var outcome = GoogleSyncOutcome.Patched;
        for (var round = 1; ; round++)
        {
            var sent = await SendAsync(card, settings, cancellationToken).ConfigureAwait(false);
            if (sent.Created)
            {
                outcome = GoogleSyncOutcome.Created;
            }

            var now = await cards.FindAsync(cardId, cancellationToken).ConfigureAwait(false);
            if (now is null || GoogleLoyaltyPass.Patch(now).ToJsonString() == sent.Body || round == MaxRounds)
            {
                GoogleWalletLog.Synced(logger, cardId, card.Stamps, GoogleLoyaltyPass.StateOf(card), outcome == GoogleSyncOutcome.Created);
                return outcome;
            }

            card = now;
        }
    }

    /// <summary>Makes sure the program's class exists (once per process and class); then patches or inserts the object.</summary>
    /// <summary>
    /// Adds the card's current reminder to its object as a message that notifies the phone; false when the card has
    /// none now (redeemed or visited since) or no object at Google.
    /// </summary>
    public async Task<bool> NotifyAsync(Guid cardId, CancellationToken cancellationToken)
    {
        var card = await cards.FindAsync(cardId, cancellationToken).ConfigureAwait(false);
        if (card is null || GoogleLoyaltyPass.ReminderMessage(card) is not { } message)
        {
            return false;
        }

        return await client.AddMessageAsync(GoogleWalletClient.LoyaltyObject, GoogleLoyaltyPass.ObjectId(options.Value.IssuerId, cardId), message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(bool Created, string Body)> SendAsync(CardSnapshot card, GoogleWalletOptions settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(settings);
        await EnsureClassAsync(card, settings, cancellationToken).ConfigureAwait(false);

        var objectId = GoogleLoyaltyPass.ObjectId(settings.IssuerId, card.CardId);
        var patch = GoogleLoyaltyPass.Patch(card);
        var body = patch.ToJsonString();
        if (await client.PatchAsync(GoogleWalletClient.LoyaltyObject, objectId, patch, cancellationToken).ConfigureAwait(false) is not null)
        {
            return (false, body);
        }

        if (await client.InsertAsync(GoogleWalletClient.LoyaltyObject, GoogleLoyaltyPass.Object(card, settings), cancellationToken).ConfigureAwait(false))
        {
            return (true, body);
        }

        // Another replica inserted it between our patch and our insert: patch what it created.
        if (await client.PatchAsync(GoogleWalletClient.LoyaltyObject, objectId, JsonNode.Parse(body)!.AsObject(), cancellationToken).ConfigureAwait(false) is null)
        {
            throw new GoogleWalletException($"Google Wallet answered 409 to inserting loyalty object {objectId} and then 404 to patching it; will try again.", 404, isTransient: true);
        }

        return (false, body);
    }

    private async Task EnsureClassAsync(CardSnapshot card, GoogleWalletOptions settings, CancellationToken cancellationToken)
    {
        var classId = GoogleLoyaltyPass.ClassId(settings.IssuerId, card.ProgramId);
        if (classes.IsKnown(classId))
        {
            return;
        }

        var body = GoogleLoyaltyPass.Class(card, settings);
        if (await client.GetAsync(GoogleWalletClient.LoyaltyClass, classId, cancellationToken).ConfigureAwait(false) is null)
        {
            if (await client.InsertAsync(GoogleWalletClient.LoyaltyClass, body, cancellationToken).ConfigureAwait(false))
            {
                GoogleWalletLog.ClassCreated(logger, classId);
            }
        }
        else
        {
            // Once per process: the program's name or the merchant's branding may have changed since.
            body.Remove("id");
            body.Remove("reviewStatus");
            await client.PatchAsync(GoogleWalletClient.LoyaltyClass, classId, body, cancellationToken).ConfigureAwait(false);
        }

        classes.MarkKnown(classId);
    }
}

/// <summary>The loyalty classes this process has already made sure of.</summary>
public sealed class GoogleClassRegistry
{
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);

    public bool IsKnown(string classId) => _known.ContainsKey(classId);

    public void MarkKnown(string classId) => _known.TryAdd(classId, true);
}
