using System.Globalization;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>
/// Plays the till in the demo: shortly after a voucher is issued, a sale carrying its Redeem Code comes in through
/// the demo webhook connector (the customer used the code), and then a second sale with the same code, which the
/// engine refuses because the code was already redeemed.
/// </summary>
internal sealed class DemoRedeemer(IServer server, TimeProvider timeProvider) : IConsumer<VoucherIssued>, IDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1.5);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task Consume(ConsumeContext<VoucherIssued> context)
    {
        var code = context.Message.RedeemCode;
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return;
        }

        try
        {
            await Task.Delay(Pause, timeProvider, context.CancellationToken);
            await PostSaleAsync(address, $"till-{code}-1", code, context.CancellationToken);
            await Task.Delay(Pause, timeProvider, context.CancellationToken);
            await PostSaleAsync(address, $"till-{code}-2", code, context.CancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // The demo is shutting down and the webhook server is gone: nothing to play anymore.
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task PostSaleAsync(string address, string saleId, string code, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new
        {
            eventId = "evt-" + saleId,
            type = "sale.completed",
            sale = new
            {
                id = saleId,
                occurredAt = timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
                currency = "EUR",
                total = 0m,
                lineItems = new[] { new { sku = "CAP-01", name = "Cappuccino", quantity = 1, unitPrice = 3.20m } },
                discounts = new[] { new { code, name = "Free coffee", amount = 3.20m } },
            },
        });
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)), $"/webhooks/{DemoMode.WebhookConnectorId}"))
        {
            Content = new ByteArrayContent(bytes),
        };
        request.Headers.Add("X-SevenStamp-Signature", WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(DemoMode.WebhookSecret), SignatureEncoding.Hex));
        using var response = await _http.SendAsync(request, cancellationToken);
    }
}
