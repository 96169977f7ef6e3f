using System.Globalization;
using MassTransit;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Prints every sale that reaches the bus in the demo. Shows surrogate ids only, never contact data.</summary>
internal sealed class DemoSaleReporter : IConsumer<SaleCompleted>
{
    public Task Consume(ConsumeContext<SaleCompleted> context)
    {
        var sale = context.Message;
        var customer = sale.Customer.LoyaltyCardId ?? sale.Customer.PosCustomerId
            ?? ((sale.Customer.EmailHash ?? sale.Customer.PhoneHash) is not null ? "(hashed contact)" : "(no customer)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sale in  {sale.ConnectorId}/{sale.ExternalSaleId}  {customer,-14} {sale.Total,7:0.00} {sale.Currency}  {sale.LineItems.Count} line(s)"));
        return Task.CompletedTask;
    }
}
