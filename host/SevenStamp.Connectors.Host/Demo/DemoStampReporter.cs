using MassTransit;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Prints every stamp award in the demo. Shows surrogate ids only.</summary>
internal sealed class DemoStampReporter(DemoStatistics statistics) : IConsumer<StampsAwarded>
{
    public Task Consume(ConsumeContext<StampsAwarded> context)
    {
        var stamp = context.Message;
        if (statistics.RecordAward(stamp.MerchantId, stamp.ConnectorId, stamp.ExternalSaleId))
        {
            Console.WriteLine($"  stamp    {stamp.ConnectorId}/{stamp.ExternalSaleId} -> card {stamp.CardId.ToString()[..8]}: +{stamp.Stamps}, {stamp.Balance} stamp(s)");
        }
        else
        {
            Console.WriteLine($"  repeat   {stamp.ConnectorId}/{stamp.ExternalSaleId} was delivered again: already stamped, nothing changed");
        }

        return Task.CompletedTask;
    }
}
