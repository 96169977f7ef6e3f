using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>What one attempt got: the HTTP status (null when no answer came) and how long it took, or what failed.</summary>
public sealed record AttemptResult(int? StatusCode, int LatencyMs, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;

    public bool Gone => StatusCode == (int)HttpStatusCode.Gone;
}

/// <summary>
/// Sends one delivery: a POST of the stored JSON with the Standard Webhooks headers (<c>webhook-id</c>,
/// <c>webhook-timestamp</c>, <c>webhook-signature</c>, one <c>v1,</c> signature per secret in force, made by the
/// <c>StandardWebhooks</c> package). Redirects are not followed, no proxy is used, and every connection is checked
/// against <see cref="WebhookAddresses"/> at the moment it is made.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider time)
{
    /// <summary>The name of the HTTP client the host registers for outbound webhooks.</summary>
    public const string ClientName = "outbound-webhooks";

    public Task<AttemptResult> SendAsync(Uri url, string messageId, string payload, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        return SendAsync(url, messageId, payload, [.. secrets.Select(s => new StandardWebhook(s))], cancellationToken);
    }

    /// <summary>Sends with signers made once per secret (the dispatcher keeps them between batches).</summary>
    public async Task<AttemptResult> SendAsync(Uri url, string messageId, string payload, IReadOnlyList<StandardWebhook> signers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signers);
        var timestamp = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", string.Join(' ', signers.Select(s => s.Sign(messageId, timestamp, payload))));
        request.Headers.UserAgent.ParseAdd("SevenStamp-Webhooks/1.0");

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return new AttemptResult((int)response.StatusCode, Elapsed(started), response.IsSuccessStatusCode ? null : $"the endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(null, Elapsed(started), "no answer within the timeout");
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(null, Elapsed(started), Describe(ex));
        }
    }

    /// <summary>
    /// The connection step of the client's handler: resolves the host, keeps the allowed addresses, and connects to
    /// the first that answers; none allowed refuses the attempt.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(IOptionsMonitor<WebhooksOptions> options) => async (context, cancellationToken) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = options.CurrentValue.AllowPrivateAddresses ? addresses : addresses.Where(WebhookAddresses.IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "the endpoint's address is private, loopback or link-local now, which webhooks may not reach");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    private static int Elapsed(long started) => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    /// <summary>A connection failure in words, without the exception's internals.</summary>
    private static string Describe(HttpRequestException exception) => exception.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "the endpoint's host name does not resolve",
        HttpRequestError.ConnectionError when exception.Message.Contains("webhooks may not reach", StringComparison.Ordinal) => exception.Message,
        HttpRequestError.ConnectionError => "the endpoint refused the connection or could not be reached",
        HttpRequestError.SecureConnectionError => "the endpoint's TLS certificate or handshake failed",
        _ => "the request failed: " + exception.HttpRequestError,
    };
}
