using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Queries;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Apple's PassKit web service (Wallet Passes web service), mounted under the path of <c>WebServiceUrl</c>, and
/// the customer's <c>.pkpass</c> download below the card link. Rate limited per device or pass and per client
/// (<see cref="RateLimits"/>); the download counts with the card link's reads.
/// </summary>
internal static partial class PassKitEndpoints
{
    private const int MaxRegistrationBodyBytes = 4 * 1024;
    private const int MaxPushTokenLength = 200; // the column's length (AppleWalletModel)
    private const int MaxDeviceIdLength = 128;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/wallet/cards/{cardId:guid}/{token}/apple.pkpass", DownloadAsync).AllowAnonymous().ExcludeFromDescription().RequireRateLimiting(RateLimits.CustomerLinks);
        var marker = endpoints.ServiceProvider.GetService<AppleWalletMarker>();
        if (marker is null)
        {
            return;
        }

        // Apple's devices authenticate with the pass's own token (ApplePass), not with an account.
        var v1 = endpoints.MapGroup(marker.BasePath + "/v1").AllowAnonymous().ExcludeFromDescription();
        v1.MapPost("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}", RegisterAsync).RequireRateLimiting(RateLimits.PassKitRegistrations);
        v1.MapDelete("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}", UnregisterAsync).RequireRateLimiting(RateLimits.PassKitRegistrations);
        v1.MapGet("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}", SerialNumbersAsync).RequireRateLimiting(RateLimits.PassKitPasses);
        v1.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", LatestPassAsync).RequireRateLimiting(RateLimits.PassKitPasses);
        v1.MapPost("/log", LogAsync).RequireRateLimiting(RateLimits.PassKitLog);
    }

    private static async Task<IResult> DownloadAsync(Guid cardId, string token, HttpContext http, CardLinks links, ICardSnapshots cards, WalletDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = http.RequestServices.GetService<AppleWalletOptions>();
        if (options is null)
        {
            return Results.Text("Apple Wallet passes are not enabled on this host (SevenStamp:Wallet:Apple is not configured).", "text/plain", Encoding.UTF8, StatusCodes.Status404NotFound);
        }

        var card = links.Verify(cardId, token) ? await cards.FindAsync(cardId, cancellationToken) : null;
        if (card is null)
        {
            return Results.Text("No such card. Check the link.", "text/plain", Encoding.UTF8, StatusCodes.Status404NotFound);
        }

        var passToken = await ApplePassTokens.MintAsync(db, options.PassTypeIdentifier, cardId, time.GetUtcNow(), cancellationToken);
        var pass = http.RequestServices.GetRequiredService<PkpassBuilder>().Build(card, passToken);
        http.Response.Headers.CacheControl = "no-store";
        return Results.File(pass, PkpassBuilder.ContentType, "stamp-card.pkpass");
    }

    /// <summary>
    /// A device registers the pass for updates: 201 the first time (the customer added the card to Apple Wallet on it,
    /// which loyalty records as <c>CardSaved</c>), 200 when it was registered already (its push token is kept up to
    /// date).
    /// </summary>
    private static async Task<IResult> RegisterAsync(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, HttpContext http, WalletDbContext db, AppleWalletOptions options, ICardEvents cardEvents, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var serial = await AuthorizeAsync(http, db, options, passTypeIdentifier, serialNumber, cancellationToken);
        if (serial is null)
        {
            return Results.Unauthorized();
        }

        if (!IsDeviceId(deviceLibraryIdentifier))
        {
            return Problem("deviceLibraryIdentifier must be 1 to 128 letters, digits, '-', '_' or '.'.");
        }

        var body = await ReadBoundedAsync(http.Request, MaxRegistrationBodyBytes, cancellationToken);
        string? pushToken = null;
        if (body is not null)
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("pushToken", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    pushToken = value.GetString();
                }
            }
            catch (JsonException)
            {
            }
        }

        if (pushToken is null || pushToken.Length is 0 or > MaxPushTokenLength || !pushToken.All(char.IsAsciiLetterOrDigit))
        {
            return Problem("The body must be JSON {\"pushToken\": \"…\"} with the device's APNs push token (letters and digits, at most 200).");
        }

        var registrations = db.Set<ApplePassRegistration>();
        var existing = await registrations.SingleOrDefaultAsync(r => r.DeviceLibraryId == deviceLibraryIdentifier && r.PassTypeId == options.PassTypeIdentifier && r.SerialNumber == serial.Value, cancellationToken);
        if (existing is not null)
        {
            if (existing.PushToken != pushToken)
            {
                existing.PushToken = pushToken;
                await db.SaveChangesAsync(cancellationToken);
            }

            return Results.Ok();
        }

        registrations.Add(new ApplePassRegistration { DeviceLibraryId = deviceLibraryIdentifier, PassTypeId = options.PassTypeIdentifier, SerialNumber = serial.Value, PushToken = pushToken, CreatedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same device registered the same pass at the same moment: it is registered.
            return Results.Ok();
        }

        try
        {
            await cardEvents.RecordSavedAsync(serial.Value, ICardEvents.Apple, cancellationToken);
        }
        catch
        {
            // Without its event the save would go unheard: the registration is taken back, so that the device's next
            // attempt is a first registration again and records it.
            await registrations.Where(r => r.DeviceLibraryId == deviceLibraryIdentifier && r.PassTypeId == options.PassTypeIdentifier && r.SerialNumber == serial.Value)
                .ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }

        AppleWalletLog.Registered(logs.CreateLogger(typeof(PassKitEndpoints)), serial.Value);
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static async Task<IResult> UnregisterAsync(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, HttpContext http, WalletDbContext db, AppleWalletOptions options, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var serial = await AuthorizeAsync(http, db, options, passTypeIdentifier, serialNumber, cancellationToken);
        if (serial is null)
        {
            return Results.Unauthorized();
        }

        var removed = await db.Set<ApplePassRegistration>()
            .Where(r => r.DeviceLibraryId == deviceLibraryIdentifier && r.PassTypeId == options.PassTypeIdentifier && r.SerialNumber == serial.Value)
            .ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            AppleWalletLog.Unregistered(logs.CreateLogger(typeof(PassKitEndpoints)), serial.Value);
        }

        return Results.Ok();
    }

    private static async Task<IResult> SerialNumbersAsync(string deviceLibraryIdentifier, string passTypeIdentifier, string? passesUpdatedSince, WalletDbContext db, AppleWalletOptions options, CancellationToken cancellationToken)
    {
        if (passTypeIdentifier != options.PassTypeIdentifier || !IsDeviceId(deviceLibraryIdentifier))
        {
            return Results.NoContent();
        }

        var passes = await db.Set<ApplePassRegistration>().AsNoTracking()
            .Where(r => r.DeviceLibraryId == deviceLibraryIdentifier && r.PassTypeId == passTypeIdentifier)
            .GroupJoin(
                db.Set<ApplePassUpdate>().AsNoTracking().Where(u => u.PassTypeId == passTypeIdentifier),
                r => r.SerialNumber,
                u => u.SerialNumber,
                (r, u) => new { r.SerialNumber, Updates = u })
            .SelectMany(x => x.Updates.DefaultIfEmpty(), (x, u) => new { x.SerialNumber, Tag = u == null ? 0L : u.Tag })
            .ToListAsync(cancellationToken);
        long? since = long.TryParse(passesUpdatedSince, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ? tag : null;
        var updated = passes.Where(p => since is null || p.Tag > since).ToList();
        if (updated.Count == 0)
        {
            return Results.NoContent();
        }

        var lastUpdated = passes.Max(p => p.Tag).ToString(CultureInfo.InvariantCulture);
        return Results.Json(new SerialNumbersResponse([.. updated.Select(p => p.SerialNumber.ToString("N"))], lastUpdated));
    }

    private static async Task<IResult> LatestPassAsync(string passTypeIdentifier, string serialNumber, HttpContext http, ICardSnapshots cards, WalletDbContext db, AppleWalletOptions options, PkpassBuilder builder, TimeProvider time, CancellationToken cancellationToken)
    {
        var serial = await AuthorizeAsync(http, db, options, passTypeIdentifier, serialNumber, cancellationToken);
        if (serial is null)
        {
            return Results.Unauthorized();
        }

        var token = http.Request.Headers.Authorization.ToString()[(ApplePassTokens.Scheme.Length + 1)..].Trim();
        var card = await cards.FindAsync(serial.Value, cancellationToken);
        var tagged = await db.Set<ApplePassUpdate>().AsNoTracking()
            .Where(u => u.PassTypeId == options.PassTypeIdentifier && u.SerialNumber == serial.Value)
            .Select(u => (DateTimeOffset?)u.UpdatedAt)
            .SingleOrDefaultAsync(cancellationToken);
        var changed = new[] { card?.UpdatedAt, tagged }.Max() ?? DateTimeOffset.UnixEpoch;
        var lastModified = LastModified(changed, time.GetUtcNow());

        var headers = http.Request.GetTypedHeaders();
        if (headers.IfModifiedSince is { } since && lastModified <= since)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        var pass = card is null ? builder.BuildVoided(serial.Value, token) : builder.Build(card, token);
        http.Response.GetTypedHeaders().LastModified = lastModified;
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(pass, PkpassBuilder.ContentType);
    }

    /// <summary>
    /// The Last-Modified of a pass whose content last changed at <paramref name="changed"/>, served at
    /// <paramref name="now"/>. HTTP dates have whole seconds: while the second of the change is still running a later
    /// change could fall in that same second, so the pass is dated one second earlier and the next request
    /// downloads it again instead of getting a 304 for content it has not seen.
    /// </summary>
    internal static DateTimeOffset LastModified(DateTimeOffset changed, DateTimeOffset now)
    {
        var second = new DateTimeOffset(changed.UtcTicks - (changed.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        return now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond) <= second.UtcTicks ? second.AddSeconds(-1) : second;
    }

    private static async Task<IResult> LogAsync(HttpContext http, AppleWalletOptions options, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(http.Request, options.MaxLogBodyBytes, cancellationToken);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var logger = logs.CreateLogger(typeof(PassKitEndpoints));
        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("logs", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                return Problem("The body must be JSON {\"logs\": [\"…\"]}.");
            }

            foreach (var entry in entries.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Take(20))
            {
                AppleWalletLog.DeviceLog(logger, Scrub(entry.GetString()!));
            }
        }
        catch (JsonException)
        {
            return Problem("The body must be JSON {\"logs\": [\"…\"]}.");
        }

        return Results.Ok();
    }

    /// <summary>A device log line made safe to log: one line, at most 300 characters, long opaque values (tokens, device ids) hidden.</summary>
    internal static string Scrub(string message)
    {
        var oneLine = new string([.. message.Take(600).Select(c => char.IsControl(c) ? ' ' : c)]);
        var hidden = OpaqueValue().Replace(oneLine, "[redacted]");
        hidden = EmailLike().Replace(hidden, "[redacted]");
        return hidden.Length > 300 ? hidden[..300] + "…" : hidden;
    }

    /// <summary>The pass's serial number when the request's ApplePass token was minted for this pass; otherwise null (answer 401).</summary>
    private static async Task<Guid?> AuthorizeAsync(HttpContext http, WalletDbContext db, AppleWalletOptions options, string passTypeIdentifier, string serialNumber, CancellationToken cancellationToken)
    {
        if (passTypeIdentifier != options.PassTypeIdentifier || !Guid.TryParseExact(serialNumber, "N", out var serial))
        {
            return null;
        }

        var token = await ApplePassTokens.VerifyAsync(db, options.PassTypeIdentifier, serial, http.Request.Headers.Authorization.ToString(), cancellationToken);
        return token is null ? null : serial;
    }

    private static bool IsDeviceId(string value) => value.Length is > 0 and <= MaxDeviceIdLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>The request body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    internal static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }

        return buffer.ToArray();
    }

    private static IResult Problem(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);

    [GeneratedRegex(@"[A-Za-z0-9+/=_-]{16,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex OpaqueValue();

    [GeneratedRegex(@"[^\s@]+@[^\s@]+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex EmailLike();

    private sealed record SerialNumbersResponse(IReadOnlyList<string> SerialNumbers, string LastUpdated);
}

/// <summary>Present when Apple passes are configured; carries the path the PassKit web service is mounted under.</summary>
internal sealed record AppleWalletMarker(string BasePath);
