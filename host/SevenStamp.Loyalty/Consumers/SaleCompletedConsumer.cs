using MassTransit;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>Applies a completed sale: stamps on the customer's card, vouchers for goals reached, Redeem Codes it carries.</summary>
public sealed class SaleCompletedConsumer(LoyaltyEngine engine) : IConsumer<SaleCompleted>
{
    public async Task Consume(ConsumeContext<SaleCompleted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await engine.ApplySaleAsync(context.Message, context.CancellationToken);
    }
}
