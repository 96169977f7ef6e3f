using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SevenStamp.Wallet.Google;

/// <summary>Google's root keys could not be fetched (and none are at hand): the callback is answered 503, so Google retries it.</summary>
public sealed class GoogleCallbackKeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Google's root keys for callbacks, from <see cref="GoogleWalletOptions.CallbackKeysUrl"/>: fetched on first use,
/// kept for <see cref="GoogleWalletOptions.CallbackKeysCacheTime"/> (less when Google's <c>Cache-Control: max-age</c>
/// says so), and fetched again early when a callback's key verifies with none of them (Google rotated them), at most
/// once per <see cref="MinRefetchInterval"/> so that forged callbacks cannot turn into a flood of fetches.
/// </summary>
public sealed class GoogleCallbackKeys(IHttpClientFactory clients, IOptions<GoogleWalletOptions> options, TimeProvider time, ILogger<GoogleCallbackKeys> logger)
{
    /// <summary>The name of the HTTP client the keys are fetched with.</summary>
    public const string ClientName = "google-callback-keys";

    /// <summary>The shortest time between two fetches.</summary>
    public static readonly TimeSpan MinRefetchInterval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Cached? _cached;

    /// <summary>The current keys: the cached ones while fresh, otherwise fetched now.</summary>
    public async Task<IReadOnlyList<GoogleRootKey>> GetAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.FreshUntil > time.GetUtcNow())
        {
            return cached.Keys;
        }

        return await FetchAsync(force: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches the keys again, unless they were fetched less than <see cref="MinRefetchInterval"/> ago (then the cached ones).</summary>
    public Task<IReadOnlyList<GoogleRootKey>> RefreshAsync(CancellationToken cancellationToken) => FetchAsync(force: true, cancellationToken);

    private async Task<IReadOnlyList<GoogleRootKey>> FetchAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var cached = _cached;
            if (cached is not null && (force ? now - cached.FetchedAt < MinRefetchInterval : cached.FreshUntil > now))
            {
                return cached.Keys;
            }

            var settings = options.Value;
            try
            {
                using var http = clients.CreateClient(ClientName);
                using var response = await http.GetAsync(new Uri(settings.CallbackKeysUrl), cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"Google's callback keys answered {(int)response.StatusCode}.");
                }

                var keys = GoogleCallbackVerifier.ParseKeys(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                var keep = settings.CallbackKeysCacheTime;
                if (response.Headers.CacheControl?.MaxAge is { } maxAge && maxAge < keep)
                {
                    keep = maxAge < MinRefetchInterval ? MinRefetchInterval : maxAge;
                }

                _cached = new Cached(keys, now, now + keep);
                GoogleWalletLog.CallbackKeysFetched(logger, keys.Count);
                return keys;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
            {
                GoogleWalletLog.CallbackKeysUnavailable(logger, ex.Message);
                if (cached is not null && !force)
                {
                    // Stale keys still verify callbacks signed before a rotation; a callback they cannot verify asks again.
                    return cached.Keys;
                }

                throw new GoogleCallbackKeysUnavailableException("Google's callback signing keys cannot be fetched right now.", ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record Cached(IReadOnlyList<GoogleRootKey> Keys, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil);
}
