using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Wallet.Apple;

/// <summary>What became of one push.</summary>
internal enum ApnsOutcome
{
    /// <summary>APNs accepted it.</summary>
    Delivered,

    /// <summary>The device token is no longer valid (410, or 400 BadDeviceToken / DeviceTokenNotForTopic): remove it.</summary>
    Unregistered,

    /// <summary>APNs refused it for a reason retrying cannot fix (a configuration problem); logged.</summary>
    Refused,
}

/// <summary>APNs could not take a push after every attempt (429, 5xx, unreachable); the update message is retried.</summary>
public sealed class ApnsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The provider token APNs wants: an ES256 JWT (header alg + kid, claims iss + iat) signed with the team's .p8
/// key, reused for 50 minutes (APNs refuses tokens older than an hour and throttles ones renewed too often).
/// </summary>
internal sealed class ApnsTokenSource(AppleWalletOptions options, AppleWalletCredentials credentials, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(50);
    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset IssuedAt)? _current;

    public string Current()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_current is null || now - _current.Value.IssuedAt >= Lifetime || now < _current.Value.IssuedAt)
            {
                _current = (Create(now), now);
            }

            return _current.Value.Token;
        }
    }

    /// <summary>
    /// A new token after APNs answered ExpiredProviderToken to <paramref name="rejected"/>; when another push already
    /// renewed it, that newer token. APNs answers 429 TooManyProviderTokenUpdates to tokens renewed more often than
    /// every 20 minutes, so pushes that all met the expiry renew once between them.
    /// </summary>
    public string Renew(string rejected)
    {
        lock (_gate)
        {
            if (_current is null || _current.Value.Token == rejected)
            {
                var now = time.GetUtcNow();
                _current = (Create(now), now);
            }

            return _current.Value.Token;
        }
    }

    private string Create(DateTimeOffset now)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "ES256", ["kid"] = options.Apns.KeyId });
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = string.IsNullOrWhiteSpace(options.Apns.TeamId) ? options.TeamIdentifier : options.Apns.TeamId,
            ["iat"] = now.ToUnixTimeSeconds(),
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(claims);
        // JWS ES256 is the raw r||s pair (IEEE P1363), which is what ECDsa.SignData produces by default.
        var signature = credentials.ApnsKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}

/// <summary>
/// Tells a device that a pass changed: an HTTP/2 POST to <c>{Host}/3/device/{pushToken}</c> with an empty JSON
/// payload, topic = the Pass Type ID; retried with back-off on 429, 5xx and network failures.
/// </summary>
internal sealed class ApnsClient(HttpClient http, ApnsTokenSource tokens, AppleWalletOptions options, TimeProvider time, ILogger<ApnsClient> logger)
{
    public async Task<(ApnsOutcome Outcome, string? Reason)> PushAsync(string pushToken, CancellationToken cancellationToken)
    {
        var apns = options.Apns;
        var renewed = false;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            var token = tokens.Current();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(apns.Host), "/3/device/" + Uri.EscapeDataString(pushToken)))
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    Content = new ByteArrayContent("{}"u8.ToArray()),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("bearer", token);
                request.Headers.TryAddWithoutValidation("apns-topic", options.PassTypeIdentifier);
                request.Headers.TryAddWithoutValidation("apns-push-type", "background");
                request.Headers.TryAddWithoutValidation("apns-priority", "5");

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(apns.RequestTimeout);
                using var response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return (ApnsOutcome.Delivered, null);
                }

                var status = (int)response.StatusCode;
                var reason = await ReasonAsync(response, timeout.Token);
                if (status == 410 || (status == 400 && reason is "BadDeviceToken" or "DeviceTokenNotForTopic"))
                {
                    return (ApnsOutcome.Unregistered, reason);
                }

                if (status == 403 && reason == "ExpiredProviderToken" && !renewed)
                {
                    // Once per push, at once and without counting as an attempt; later attempts reuse the new token.
                    renewed = true;
                    tokens.Renew(token);
                    attempt--;
                    continue;
                }

                if (status != 429 && status < 500)
                {
                    AppleWalletLog.ApnsRefused(logger, status, reason);
                    return (ApnsOutcome.Refused, reason);
                }

                AppleWalletLog.ApnsRetry(logger, status, reason, attempt, apns.MaxAttempts);
                if (attempt >= apns.MaxAttempts)
                {
                    throw new ApnsUnavailableException($"APNs answered {status} ({reason}) {attempt} times.");
                }

                // Retry-After as seconds or as an HTTP date.
                var header = response.Headers.RetryAfter;
                retryAfter = header?.Delta ?? (header?.Date is { } until ? until - time.GetUtcNow() : null);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                AppleWalletLog.ApnsUnreachable(logger, ex.GetType().Name, attempt, apns.MaxAttempts);
                if (attempt >= apns.MaxAttempts)
                {
                    throw new ApnsUnavailableException($"APNs could not be reached after {attempt} attempts.", ex);
                }
            }

            var backoff = apns.RetryDelay * Math.Pow(2, attempt - 1);
            // APNs's Retry-After when it is under a minute; otherwise the back-off.
            var delay = retryAfter is { } wait && wait > TimeSpan.Zero && wait < TimeSpan.FromMinutes(1) ? wait : backoff;
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (body.Length is > 0 and < 4096)
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    // Reasons are short identifiers (BadDeviceToken); anything else is cut and kept to letters.
                    var text = reason.GetString()!;
                    return new string([.. text.Where(char.IsAsciiLetterOrDigit).Take(64)]);
                }
            }
        }
        catch (JsonException)
        {
        }

        return "no reason";
    }
}
