using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Applies sales and refunds to cards, vouchers and Redeem Codes. Each call is one database transaction that
/// starts by claiming the event in the inbox (a second delivery changes nothing), writes every state change
/// with keyed or conditional statements (safe under concurrent consumers on PostgreSQL; SQLite serializes
/// writers), and writes the events it causes to the outbox in the same transaction.
/// </summary>
/// <remarks>
/// The front of the engine's parts, one set per scope over the scope's context and one shared transaction:
/// <see cref="SaleStamping"/> (sales, batches of sales, refunds), <see cref="VoucherLedger"/> (mint, pool, expire,
/// reinstate, void, import), <see cref="VoucherRedemption"/> (a code at a sale, a staff scan, a self-redeem) and
/// <see cref="CustomerResolver"/> (who a sale is about). Their log lines keep this type's category.
/// </remarks>
public sealed class LoyaltyEngine
{
    private readonly SaleStamping _stamping;
    private readonly VoucherLedger _ledger;
    private readonly VoucherRedemption _redemption;
    private readonly StampAdjusting _adjusting;
    private readonly CustomerReminders _reminders;

    public LoyaltyEngine(LoyaltyDbContext db, TimeProvider timeProvider, OutboxSignal outboxSignal, ILogger<LoyaltyEngine> logger)
    {
        var work = new EngineTransaction(db, outboxSignal);
        var cards = new CardTotals(db);
        _ledger = new VoucherLedger(db, work, cards, timeProvider, logger);
        _redemption = new VoucherRedemption(db, work, _ledger, timeProvider, logger);
        _adjusting = new StampAdjusting(db, work, cards, _ledger, timeProvider);
        _reminders = new CustomerReminders(db, work, timeProvider);
        _stamping = new SaleStamping(db, work, new Inbox(db), new CustomerResolver(db), cards, _ledger, _redemption, timeProvider, logger);
    }

    /// <inheritdoc cref="SaleStamping.ApplySaleAsync"/>
    public Task<SaleOutcome> ApplySaleAsync(SaleCompleted sale, CancellationToken cancellationToken) => _stamping.ApplySaleAsync(sale, cancellationToken);

    /// <inheritdoc cref="SaleStamping.ApplySalesAsync"/>
    public Task<IReadOnlyList<Exception?>> ApplySalesAsync(IReadOnlyList<SaleCompleted> sales, CancellationToken cancellationToken) => _stamping.ApplySalesAsync(sales, cancellationToken);

    /// <inheritdoc cref="SaleStamping.ApplyRefundAsync"/>
    public Task<bool> ApplyRefundAsync(SaleRefunded refund, CancellationToken cancellationToken) => _stamping.ApplyRefundAsync(refund, cancellationToken);

    /// <inheritdoc cref="VoucherRedemption.RedeemAsync"/>
    public Task<RedemptionResult> RedeemAsync(string merchantId, Guid? voucherId, string? code, RedemptionMethod method, string? staffId, string? locationId, CancellationToken cancellationToken) =>
        _redemption.RedeemAsync(merchantId, voucherId, code, method, staffId, locationId, cancellationToken);

    /// <inheritdoc cref="VoucherLedger.VoidAsync"/>
    public Task<(bool Voided, Voucher? Voucher)> VoidAsync(string merchantId, Guid voucherId, string? reason, string? actor, CancellationToken cancellationToken) =>
        _ledger.VoidAsync(merchantId, voucherId, reason, actor, cancellationToken);

    /// <inheritdoc cref="StampAdjusting"/>
    public Task<StampAdjustmentResult> AdjustStampsAsync(string merchantId, Guid cardId, int stamps, string reason, string? actor, CancellationToken cancellationToken) =>
        _adjusting.AdjustAsync(merchantId, cardId, stamps, reason, actor, null, null, cancellationToken);

    /// <inheritdoc cref="StampAdjusting.AdjustAsync"/>
    public Task<StampAdjustmentResult> AdjustStampsAsync(string merchantId, Guid cardId, int stamps, string reason, string? actor, StampGuard? guard, string? locationId, CancellationToken cancellationToken) =>
        _adjusting.AdjustAsync(merchantId, cardId, stamps, reason, actor, guard, locationId, cancellationToken);

    /// <inheritdoc cref="VoucherLedger.ExpireDueVouchersAsync"/>
    public Task<int> ExpireDueVouchersAsync(CancellationToken cancellationToken) => _ledger.ExpireDueVouchersAsync(cancellationToken);

    /// <inheritdoc cref="CustomerReminders.RemindExpiringVouchersAsync"/>
    public Task<int> RemindExpiringVouchersAsync(CancellationToken cancellationToken) => _reminders.RemindExpiringVouchersAsync(cancellationToken);

    /// <inheritdoc cref="CustomerReminders.NudgeInactiveCustomersAsync"/>
    public Task<int> NudgeInactiveCustomersAsync(CancellationToken cancellationToken) => _reminders.NudgeInactiveCustomersAsync(cancellationToken);

    /// <inheritdoc cref="VoucherLedger.MintOwedVouchersAsync"/>
    public Task<int> MintOwedVouchersAsync(Guid programId, CancellationToken cancellationToken) => _ledger.MintOwedVouchersAsync(programId, cancellationToken);

    /// <inheritdoc cref="VoucherLedger.ImportPoolCodesAsync"/>
    public Task<(int Added, int Minted)> ImportPoolCodesAsync(Guid programId, IEnumerable<string> codes, CancellationToken cancellationToken) =>
        _ledger.ImportPoolCodesAsync(programId, PoolCode.GoalPool, codes, cancellationToken);

    /// <inheritdoc cref="VoucherLedger.ImportPoolCodesAsync"/>
    public Task<(int Added, int Minted)> ImportPoolCodesAsync(Guid programId, string pool, IEnumerable<string> codes, CancellationToken cancellationToken) =>
        _ledger.ImportPoolCodesAsync(programId, pool, codes, cancellationToken);
}
