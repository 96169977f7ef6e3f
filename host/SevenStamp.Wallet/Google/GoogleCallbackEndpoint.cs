using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Wallet.Apple;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// <c>POST /wallet/google/callbacks</c>: Google tells the host that a customer saved (<c>save</c>) or deleted
/// (<c>del</c>) a card's object. Anonymous to the accounts; Google's signature (<see cref="GoogleCallbackVerifier"/>)
/// is its credential. A verified save of one of this host's cards is recorded as <c>CardSaved</c> (wallet
/// <c>google</c>) once per nonce, however often Google delivers it; a delete is accepted and recorded nowhere for
/// now. A refused callback gets 400 with a short reason; the body is never logged.
/// </summary>
internal static class GoogleCallbackEndpoint
{
    /// <summary>A callback is about 2 KB; anything much larger is not one.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext http, GoogleCallbackVerifier verifier, WalletDbContext db, ICardEvents cardEvents, IOptions<GoogleWalletOptions> options, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var logger = logs.CreateLogger(typeof(GoogleCallbackEndpoint));
        var bytes = await PassKitEndpoints.ReadBoundedAsync(http.Request, MaxBodyBytes, cancellationToken);
        if (bytes is null)
        {
            GoogleWalletLog.CallbackRefused(logger, "the body is too large");
            return Results.Problem($"The body is larger than {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        GoogleCallbackVerification verification;
        try
        {
            verification = await verifier.VerifyAsync(Encoding.UTF8.GetString(bytes), cancellationToken);
        }
        catch (GoogleCallbackKeysUnavailableException ex)
        {
            return Results.Problem(ex.Message + " Try again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (verification.Callback is not { } callback)
        {
            GoogleWalletLog.CallbackRefused(logger, verification.Reason!);
            return Results.Problem(verification.Reason, statusCode: StatusCodes.Status400BadRequest);
        }

        var issuerId = options.Value.IssuerId;
        if (!Guid.TryParseExact(callback.ObjectId[(issuerId.Length + 1)..], "N", out var cardId))
        {
            // Not an object this host made (the issuer may have others): nothing to do, and Google must not retry.
            GoogleWalletLog.CallbackIgnored(logger, callback.EventType, "the object is not one of this host's cards");
            return Results.Ok();
        }

        if (callback.EventType == "del")
        {
            GoogleWalletLog.CallbackDeleted(logger, cardId);
            return Results.Ok();
        }

        if (callback.EventType != "save")
        {
            GoogleWalletLog.CallbackIgnored(logger, callback.EventType.Length > 20 ? callback.EventType[..20] : callback.EventType, "the event type is not save or del");
            return Results.Ok();
        }

        var now = time.GetUtcNow();
        var nonce = callback.Nonce.Length > GoogleWalletModel.NonceLength ? callback.Nonce[..GoogleWalletModel.NonceLength] : callback.Nonce;
        if (!await FirstTimeAsync(db, nonce, now, cancellationToken))
        {
            GoogleWalletLog.CallbackRepeated(logger, cardId);
            return Results.Ok();
        }

        bool recorded;
        try
        {
            recorded = await cardEvents.RecordSavedAsync(cardId, ICardEvents.Google, cancellationToken);
        }
        catch
        {
            // Without its event the save would go unheard: the nonce is forgotten, so Google's retry records it.
            await db.GoogleCallbackNonces.Where(n => n.Nonce == nonce).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }

        if (recorded)
        {
            GoogleWalletLog.CallbackSaved(logger, cardId);
        }
        else
        {
            GoogleWalletLog.CallbackCardUnknown(logger, cardId);
        }

        var cutoff = now - GoogleWalletModel.NonceRetention;
        await db.GoogleCallbackNonces.Where(n => n.ReceivedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        return Results.Ok();
    }

    /// <summary>Remembers <paramref name="nonce"/>: true the first time, false when it was seen before (a repeated delivery).</summary>
    private static async Task<bool> FirstTimeAsync(WalletDbContext db, string nonce, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.GoogleCallbackNonces.AsNoTracking().AnyAsync(n => n.Nonce == nonce, cancellationToken))
        {
            return false;
        }

        var row = new GoogleCallbackNonce { Nonce = nonce, ReceivedAt = now };
        db.GoogleCallbackNonces.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // The same callback delivered twice at the same moment: the other delivery took it.
            db.Entry(row).State = EntityState.Detached;
            if (await db.GoogleCallbackNonces.AsNoTracking().AnyAsync(n => n.Nonce == nonce, cancellationToken))
            {
                return false;
            }

            throw;
        }
    }
}
