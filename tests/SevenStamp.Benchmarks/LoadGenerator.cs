using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Benchmarks;

/// <summary>
/// A POS sending signed generic-webhook sales over HTTP on loopback: many customers, one stamp per sale, and now
/// and then a sale that carries the Redeem Code of a voucher the host issued earlier (read from the database). Given
/// several hosts (replicas), it sends each request to the next of them in turn (round robin).
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Uri[] _targets;
    private readonly string _connectorId;
    private readonly byte[] _secret;
    private readonly int _customers;
    private readonly string _customerPrefix;
    private readonly ConcurrentQueue<string> _codes = new();
    private readonly HashSet<string> _handedOut = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Task<List<string>>>? _issuedCodes;
    private Task? _codeRefresher;
    private int _codesSent;
    private int _failures;
    private int _nextTarget = -1;

    public LoadGenerator(Uri baseAddress, string connectorId, string secret, int customers, int connections, Func<Task<List<string>>>? issuedCodes)
        : this([baseAddress], connectorId, secret, customers, connections, issuedCodes)
    {
    }

    public LoadGenerator(IReadOnlyList<Uri> targets, string connectorId, string secret, int customers, int connections, Func<Task<List<string>>>? issuedCodes)
    {
        if (targets.Count == 0)
        {
            throw new ArgumentException("At least one host to send to is needed.", nameof(targets));
        }

        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        _targets = [.. targets];
        _connectorId = connectorId;
        _secret = Encoding.UTF8.GetBytes(secret);
        _customers = customers;
        _customerPrefix = $"c{Guid.NewGuid():N}"[..9] + "-";
        _issuedCodes = issuedCodes;
    }

    /// <summary>Sales that carried a Redeem Code.</summary>
    public int CodesSent => Volatile.Read(ref _codesSent);

    /// <summary>Requests answered other than 2xx (or not at all).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Starts reading issued voucher codes from the database every half second, for later sales to carry.</summary>
    public void StartRedeeming()
    {
        if (_issuedCodes is null || _codeRefresher is not null)
        {
            return;
        }

        _codeRefresher = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    foreach (var code in await _issuedCodes())
                    {
                        if (_handedOut.Add(code))
                        {
                            _codes.Enqueue(code);
                        }
                    }

                    await Task.Delay(500, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException)
                {
                    // A busy database this time round; the next round reads again.
                }
            }
        });
    }

    /// <summary>Sends <paramref name="count"/> sales keeping <paramref name="connections"/> in flight; returns each request's time to 2xx.</summary>
    public async Task<(TimeSpan Elapsed, List<double> LatenciesMs)> RunClosedLoopAsync(string salePrefix, int count, int connections, CancellationToken cancellationToken)
    {
        var next = -1;
        var latencies = new ConcurrentBag<double>();
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var (ok, elapsed, _) = await SendAsync(salePrefix + i.ToString(CultureInfo.InvariantCulture), cancellationToken);
                if (ok)
                {
                    latencies.Add(elapsed.TotalMilliseconds);
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        return (Stopwatch.GetElapsedTime(started), [.. latencies]);
    }

    /// <summary>
    /// Open loop: sale i is sent at start + i/rate whether or not earlier ones were answered, so a slow host
    /// builds a backlog instead of slowing the sender. Returns when each accepted sale's 2xx was received.
    /// </summary>
    public async Task<(Dictionary<string, DateTimeOffset> Accepted, List<double> LatenciesMs)> RunPacedAsync(string salePrefix, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var accepted = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var inFlight = new List<Task>(total);
        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        while (sent < total)
        {
            var due = Math.Min(total, (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) + 1);
            for (; sent < due; sent++)
            {
                var saleId = salePrefix + sent.ToString(CultureInfo.InvariantCulture);
                inFlight.Add(Task.Run(async () =>
                {
                    var (ok, elapsed, at) = await SendAsync(saleId, cancellationToken);
                    if (ok)
                    {
                        accepted[saleId] = at;
                        latencies.Add(elapsed.TotalMilliseconds);
                    }
                }, cancellationToken));
            }

            await Task.Delay(1, cancellationToken);
        }

        await Task.WhenAll(inFlight);
        return (new Dictionary<string, DateTimeOffset>(accepted, StringComparer.Ordinal), [.. latencies]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_codeRefresher is not null)
        {
            await _codeRefresher;
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task<(bool Ok, TimeSpan Elapsed, DateTimeOffset At)> SendAsync(string saleId, CancellationToken cancellationToken)
    {
        var customer = _customerPrefix + Random.Shared.Next(_customers).ToString(CultureInfo.InvariantCulture);
        string? code = null;
        if (Random.Shared.Next(10) == 0 && _codes.TryDequeue(out var issued))
        {
            code = issued;
            Interlocked.Increment(ref _codesSent);
        }

        var body = Encoding.UTF8.GetBytes(SaleJson(saleId, customer, code));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var target = _targets[(uint)Interlocked.Increment(ref _nextTarget) % (uint)_targets.Length];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, $"/webhooks/{_connectorId}")) { Content = content };
        request.Headers.Add("X-SevenStamp-Signature", WebhookSignatures.ComputeHmacSha256(body, _secret, SignatureEncoding.Hex));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var at = DateTimeOffset.UtcNow;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _failures);
                return (false, elapsed, at);
            }

            return (true, elapsed, at);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Refused, dropped, or not answered within the client's 60 s: counted, the run goes on.
            Interlocked.Increment(ref _failures);
            return (false, Stopwatch.GetElapsedTime(started), DateTimeOffset.UtcNow);
        }
    }

    private static string SaleJson(string saleId, string customer, string? code)
    {
        var discounts = code is null ? string.Empty : $$""", "discounts": [ { "code": "{{code}}", "name": "Free coffee", "amount": 2.80 } ]""";
        return $$"""
            { "eventId": "e-{{saleId}}", "type": "sale.completed",
              "sale": { "id": "{{saleId}}", "occurredAt": "{{DateTimeOffset.UtcNow:O}}", "customer": { "id": "{{customer}}" },
                        "currency": "EUR", "total": 4.20,
                        "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 1, "unitPrice": 4.20 } ]{{discounts}} } }
            """;
    }
}
