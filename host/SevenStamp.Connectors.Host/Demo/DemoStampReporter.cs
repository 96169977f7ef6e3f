using MassTransit;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Prints the loyalty engine's events in the demo. Surrogate ids only, never contact data.</summary>
internal sealed class DemoStampReporter(DemoStatistics statistics) :
    IConsumer<StampsAwarded>,
    IConsumer<VoucherIssued>,
    IConsumer<VoucherRedeemed>,
    IConsumer<RedeemCodeRejected>,
    IConsumer<SaleUnmatched>
{
    public Task Consume(ConsumeContext<StampsAwarded> context)
    {
        var stamp = context.Message;
        if (statistics.RecordAward(stamp.MerchantId, stamp.ConnectorId, stamp.ExternalSaleId))
        {
            Console.WriteLine($"  stamp    {stamp.ConnectorId}/{stamp.ExternalSaleId} -> card {Short(stamp.CardId)}: +{stamp.Stamps}, {stamp.Balance}/{stamp.Goal}");
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<VoucherIssued> context)
    {
        var voucher = context.Message;
        statistics.RecordVoucher(voucher.RedeemCode);
        Console.WriteLine($"  voucher  card {Short(voucher.CardId)} reached its goal: \"{voucher.Reward}\", code {voucher.RedeemCode}");
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<VoucherRedeemed> context)
    {
        var voucher = context.Message;
        Console.WriteLine($"  redeemed voucher {Short(voucher.VoucherId)} of card {Short(voucher.CardId)} by {voucher.Method} (sale {voucher.ExternalSaleId})");
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<RedeemCodeRejected> context)
    {
        var rejected = context.Message;
        var by = rejected.RedeemedBySaleId is null ? string.Empty : $", already redeemed by sale {rejected.RedeemedBySaleId}";
        Console.WriteLine($"  refused  code {rejected.Code} on sale {rejected.ExternalSaleId}: {rejected.Reason}{by}");
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<SaleUnmatched> context)
    {
        var sale = context.Message;
        Console.WriteLine($"  no card  {sale.ConnectorId}/{sale.ExternalSaleId}: {sale.Reason}, no stamp");
        return Task.CompletedTask;
    }

    private static string Short(Guid id) => id.ToString()[..8];
}
