using MassTransit;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>
/// Applies a completed sale: stamps on the customer's card, vouchers for goals reached, Redeem Codes it carries.
/// The sale is committed together with the others arriving at the same time (<see cref="SaleBatcher"/>); this
/// call returns, and the message is acknowledged, once its own sale is committed.
/// </summary>
public sealed class SaleCompletedConsumer(SaleBatcher batcher) : IConsumer<SaleCompleted>
{
    public async Task Consume(ConsumeContext<SaleCompleted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await batcher.ApplyAsync(context.Message, context.CancellationToken);
    }
}
