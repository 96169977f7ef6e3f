using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.ChaosTests;

/// <summary>
/// A POS sending signed sales the way real ones do: every sale until it is answered 2xx, retrying refused or
/// failed calls after a pause, for as long as the deadline allows. Counts what the host accepted.
/// </summary>
public sealed class PosLoad(Func<Uri> baseAddress, string connectorId, string secret, int customers)
{
    private readonly ConcurrentDictionary<string, byte> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DateTime> _acceptedAt = new();

    public int Accepted => _accepted.Count;

    public IReadOnlyCollection<string> AcceptedSales => [.. _accepted.Keys];

    public int Refusals;

    /// <summary>Calls the host answered with a 5xx (it was up but could not make the sale durable).</summary>
    public int ServerErrors;

    /// <summary>
    /// The longest time with no sale answered 2xx from <paramref name="from"/> until the first 2xx after
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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var start = DateTime.UtcNow;
        var until = start + deadline;
        await Parallel.ForEachAsync(Enumerable.Range(0, sales), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, token) =>
        {
            if (salesPerSecond is { } rate && start.AddSeconds(i / rate) - DateTime.UtcNow is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait, token);
            }

            var saleId = $"{run}-{i:D5}";
            var body = $$"""
                { "eventId": "evt-{{saleId}}", "type": "sale.completed",
                  "sale": { "id": "{{saleId}}", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "id": "cust-{{i % customers}}" },
                            "currency": "EUR", "total": {{(2.5m + (i % 7)).ToString(CultureInfo.InvariantCulture)}} } }
                """;
            var bytes = Encoding.UTF8.GetBytes(body);
            var signature = WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex);
            while (DateTime.UtcNow < until)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress(), $"/webhooks/{connectorId}")) { Content = new ByteArrayContent(bytes) };
                    request.Headers.Add("X-SevenStamp-Signature", signature);
                    using var response = await http.SendAsync(request, token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        _accepted.TryAdd(saleId, 0);
                        _acceptedAt.Enqueue(DateTime.UtcNow);
                        return;
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
        });
    }
}
