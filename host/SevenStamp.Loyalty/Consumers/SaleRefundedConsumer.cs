using MassTransit;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>Applies a refund: takes the sale's stamps back and reinstates a voucher the sale had redeemed.</summary>
public sealed class SaleRefundedConsumer(LoyaltyEngine engine) : IConsumer<SaleRefunded>
{
    public async Task Consume(ConsumeContext<SaleRefunded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await engine.ApplyRefundAsync(context.Message, context.CancellationToken);
    }
}
