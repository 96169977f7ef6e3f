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

    public int Accepted => _accepted.Count;

    public IReadOnlyCollection<string> AcceptedSales => [.. _accepted.Keys];

    public int Refusals;

    /// <summary>Calls the host answered with a 5xx (it was up but could not make the sale durable).</summary>
    public int ServerErrors;

    public async Task RunAsync(string run, int sales, int concurrency, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var until = DateTime.UtcNow + deadline;
        await Parallel.ForEachAsync(Enumerable.Range(0, sales), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, token) =>
        {
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
