using System.Globalization;
using MassTransit;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Prints every sale that reaches the bus in the demo. Shows surrogate ids only, never contact data.</summary>
internal sealed class DemoSaleReporter(DemoStatistics statistics) : IConsumer<SaleCompleted>
{
    public Task Consume(ConsumeContext<SaleCompleted> context)
    {
        var sale = context.Message;
        var customer = sale.Customer.LoyaltyCardId ?? sale.Customer.PosCustomerId
            ?? ((sale.Customer.EmailHash ?? sale.Customer.PhoneHash) is not null ? "(hashed contact)" : "(no customer)");
        var codes = sale.Discounts.Count == 0 ? string.Empty : "  code " + string.Join(", ", sale.Discounts.Select(d => d.Code ?? d.Name));
        if (statistics.RecordSale(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId) > 1)
        {
            Console.WriteLine($"  repeat   {sale.ConnectorId}/{sale.ExternalSaleId} delivered again, as a POS retrying does: it changes nothing");
            return Task.CompletedTask;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sale in  {sale.ConnectorId}/{sale.ExternalSaleId}  {customer,-14} {sale.Total,7:0.00} {sale.Currency}  {sale.LineItems.Count} line(s){codes}"));
        return Task.CompletedTask;
    }
}
