using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.ChaosTests;

/// <summary>
/// A POS sending signed sales the way real ones do: every sale until it is answered 2xx, retrying refused or
/// failed calls after a pause, for as long as the deadline allows. It may also send some sales a second time (a POS
/// that did not see the answer), refund some sales in full, and ring up sales that carry a voucher's Redeem Code.
/// Counts what the host accepted.
/// </summary>
public sealed class PosLoad(Func<Uri> baseAddress, string connectorId, string secret, int customers)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

    private readonly ConcurrentDictionary<string, byte> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refunded = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DateTime> _acceptedAt = new();
    private DateTime _until = DateTime.MaxValue;

    /// <summary>Every sale whose id ends in 3 modulo this is sent again once accepted (0: none).</summary>
    public int DuplicateEvery { get; init; }

    /// <summary>Every sale whose id ends in 7 modulo this is refunded in full once accepted, every other refund twice (0: none).</summary>
    public int RefundEvery { get; init; }

    public int Accepted => _accepted.Count;

    /// <summary>The steady trade's sales accepted so far (the tills' sales, duplicates and refunds not counted).</summary>
    public int TradeAccepted => _acceptedAt.Count;

    /// <summary>The steady trade's sales first accepted after <paramref name="time"/>.</summary>
    public int TradeAcceptedAfter(DateTime time) => _acceptedAt.Count(t => t > time);

    /// <summary>The ids of the sales answered 2xx (ordinary sales and those carrying a code).</summary>
    public IReadOnlyCollection<string> AcceptedSales => [.. _accepted.Keys];

    /// <summary>The sales whose full refund was answered 2xx.</summary>
    public IReadOnlyCollection<string> RefundedSales => [.. _refunded.Keys];

    /// <summary>Sales and refunds sent again after a 2xx, and answered 2xx again.</summary>
    public int Duplicates;

    public int Refusals;

    /// <summary>Calls the host answered with a 5xx (it was up but could not make the sale durable).</summary>
    public int ServerErrors;

    /// <summary>
    /// The longest time with no new sale of the steady trade answered 2xx from <paramref name="from"/> until the first 2xx after
    /// <paramref name="to"/> (a fault's start and end): how long the POS saw the service down.
    /// </summary>
    public TimeSpan LongestGap(DateTime from, DateTime to)
    {
        var times = _acceptedAt.Where(t => t >= from).Order().ToList();
        var longest = TimeSpan.Zero;
        var previous = from;
        foreach (var time in times)
        {
            longest = time - previous > longest ? time - previous : longest;
            previous = time;
            if (time > to)
            {
                break;
            }
        }

        return longest;
    }

    /// <summary>
    /// Sends <paramref name="sales"/> sales, <paramref name="concurrency"/> at a time; with <paramref name="salesPerSecond"/>,
    /// sale i is first sent no sooner than i / salesPerSecond seconds after the start, as a shop's steady trade.
    /// </summary>
    public async Task RunAsync(string run, int sales, int concurrency, TimeSpan deadline, CancellationToken cancellationToken, double? salesPerSecond = null)
    {
        var start = DateTime.UtcNow;
        _until = start + deadline;
        await Parallel.ForEachAsync(Enumerable.Range(0, sales), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, token) =>
        {
            if (salesPerSecond is { } rate && start.AddSeconds(i / rate) - DateTime.UtcNow is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait, token);
            }

            var saleId = $"{run}-{i:D5}";
            var total = 2.5m + (i % 7);
            var sale = Sale(saleId, $"cust-{i % customers}", total, code: null, occurredAt: "2026-11-23T09:30:00Z");
            if (!await SendAsync(sale, token, firstTime: true))
            {
                return;
            }

            _accepted.TryAdd(saleId, 0);
            if (DuplicateEvery > 0 && i % DuplicateEvery == 3 && await SendAsync(sale, token, firstTime: false))
            {
                Interlocked.Increment(ref Duplicates);
            }

            if (RefundEvery > 0 && i % RefundEvery == 7)
            {
                var refund = $$"""
                    { "eventId": "evt-refund-{{saleId}}", "type": "sale.refunded",
                      "refund": { "id": "R-{{saleId}}", "saleId": "{{saleId}}", "occurredAt": "2026-11-23T10:00:00Z", "currency": "EUR",
                                  "amount": {{total.ToString(CultureInfo.InvariantCulture)}}, "full": true } }
                    """;
                if (await SendAsync(refund, token, firstTime: false))
                {
                    _refunded.TryAdd(saleId, 0);
                    if (i % (2 * RefundEvery) == 7 && await SendAsync(refund, token, firstTime: false))
                    {
                        Interlocked.Increment(ref Duplicates);
                    }
                }
            }
        });
    }

    /// <summary>
    /// Rings up sale <paramref name="saleId"/> of <paramref name="customer"/> carrying the discount code
    /// <paramref name="code"/> (the customer shows their voucher at the till); true once it is answered 2xx.
    /// </summary>
    public async Task<bool> SellWithCodeAsync(string saleId, string customer, string code, CancellationToken cancellationToken)
    {
        var sale = Sale(saleId, customer, 4.5m, code, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        if (!await SendAsync(sale, cancellationToken, firstTime: false))
        {
            return false;
        }

        _accepted.TryAdd(saleId, 0);
        return true;
    }

    /// <summary>A generic-webhook sale of <paramref name="customer"/>, carrying the discount code <paramref name="code"/> when given.</summary>
    internal static string Sale(string saleId, string customer, decimal total, string? code, string occurredAt)
    {
        var amount = total.ToString(CultureInfo.InvariantCulture);
        var discounts = code is null ? "[]" : $$"""[ { "code": "{{code}}", "name": "Free coffee", "amount": 2.50 } ]""";
        return $$"""
            { "eventId": "evt-{{saleId}}", "type": "sale.completed",
              "sale": { "id": "{{saleId}}", "occurredAt": "{{occurredAt}}", "customer": { "id": "{{customer}}" },
                        "currency": "EUR", "total": {{amount}}, "discounts": {{discounts}} } }
            """;
    }

    /// <summary>
    /// Sends <paramref name="body"/> signed, each attempt to the next address, until a 2xx or the deadline. Only the
    /// <paramref name="firstTime"/> one of the steady trade's sales is accepted counts toward <see cref="LongestGap"/>:
    /// a repeat may be answered from what the host remembers, and refunds and the tills' sales come in bursts.
    /// </summary>
    private async Task<bool> SendAsync(string body, CancellationToken token, bool firstTime)
    {
        while (DateTime.UtcNow < _until)
        {
            try
            {
                using var request = SignedRequest(baseAddress(), connectorId, secret, body);
                using var response = await Http.SendAsync(request, token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    if (firstTime)
                    {
                        _acceptedAt.Enqueue(DateTime.UtcNow);
                    }

                    return true;
                }

                if ((int)response.StatusCode >= 500)
                {
                    Interlocked.Increment(ref ServerErrors);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                // Connection refused while the host is down, or a timeout: retry, as a POS does.
            }

            Interlocked.Increment(ref Refusals);
            await Task.Delay(500, token);
        }

        return false;
    }

    /// <summary>A POST of <paramref name="body"/> to the connector's webhook at <paramref name="address"/>, signed with <paramref name="secret"/>.</summary>
    internal static HttpRequestMessage SignedRequest(Uri address, string connectorId, string secret, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/webhooks/{connectorId}")) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-SevenStamp-Signature", WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex));
        return request;
    }
}
