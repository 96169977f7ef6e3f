using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The loyalty engine's log lines (EventIds 2001–2007), written by its parts under the engine's own category
/// (<see cref="LoyaltyEngine"/>). The methods keep the names the engine gave them: a method's name is its EventName.
/// </summary>
internal static partial class LoyaltyEngineLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} earned nothing: {Reason}")]
    public static partial void LogUnmatched(ILogger logger, string merchantId, string connectorId, string externalSaleId, UnmatchedReason reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "The {Kind} {MerchantId}/{ConnectorId}/{ExternalId} was applied before; nothing changed")]
    public static partial void LogDuplicate(ILogger logger, string kind, string merchantId, string connectorId, string externalId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId}: {Stamps} stamp(s), {Issued} voucher(s) issued, {Redeemed} redeemed, {Rejected} code(s) rejected")]
    public static partial void LogApplied(ILogger logger, string merchantId, string connectorId, string externalSaleId, int stamps, int issued, int redeemed, int rejected);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} carried a Redeem Code that was refused: {Reason}")]
    public static partial void LogRejected(ILogger logger, string merchantId, string connectorId, string externalSaleId, RedeemCodeRejectionReason reason);

    // A warning, not an error: an empty pool is a normal state the merchant is told of (the voucher is owed and minted on import).
    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Merchant {MerchantId}: the Redeem Code pool is empty; the voucher for cycle {Cycle} is owed until codes are imported")]
    public static partial void LogPoolEmpty(ILogger logger, string merchantId, int cycle);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Merchant {MerchantId}: voucher {VoucherId} redeemed by {Method}")]
    public static partial void LogRedeemedAtCounter(ILogger logger, string merchantId, Guid voucherId, RedemptionMethod method);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "A batch of {Count} sales failed as a whole ({ExceptionType}); applying it again with a savepoint per sale")]
    public static partial void LogBatchRetried(ILogger logger, int count, string exceptionType);
}
