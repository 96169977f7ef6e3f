using Microsoft.Extensions.Logging;

namespace SevenStamp.Wallet.Google;

/// <summary>Google Wallet log lines: card and class ids only, never a token, a key or a Redeem Code.</summary>
internal static partial class GoogleWalletLog
{
    [LoggerMessage(EventId = 6101, EventName = "GoogleWalletSynced", Level = LogLevel.Debug, Message = "Google Wallet object of card {CardId} sent: {Stamps} stamps, {State} (created: {Created})")]
    public static partial void Synced(ILogger logger, Guid cardId, int stamps, string state, bool created);

    [LoggerMessage(EventId = 6102, EventName = "GoogleWalletClassCreated", Level = LogLevel.Information, Message = "Google Wallet loyalty class {ClassId} created")]
    public static partial void ClassCreated(ILogger logger, string classId);

    [LoggerMessage(EventId = 6103, EventName = "GoogleWalletCardMissing", Level = LogLevel.Warning, Message = "Google Wallet update skipped: card {CardId} is not in the store")]
    public static partial void CardMissing(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6104, EventName = "GoogleWalletUpdateFailed", Level = LogLevel.Warning, Message = "Google Wallet update of card {CardId} failed ({Status}, transient: {Transient}): {Reason}")]
    public static partial void UpdateFailed(ILogger logger, Guid cardId, int status, bool transient, string reason);

    [LoggerMessage(EventId = 6105, EventName = "GoogleWalletSaveLinkFallback", Level = LogLevel.Warning, Message = "Google Wallet save link for card {CardId}: the object could not be sent first ({Reason}); the link carries the whole object instead")]
    public static partial void SaveLinkFallback(ILogger logger, Guid cardId, string reason);

}
