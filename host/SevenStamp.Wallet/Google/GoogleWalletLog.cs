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

    [LoggerMessage(EventId = 6106, EventName = "GoogleWalletCallbackRefused", Level = LogLevel.Warning, Message = "Google Wallet callback refused: {Reason}")]
    public static partial void CallbackRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 6107, EventName = "GoogleWalletCallbackSaved", Level = LogLevel.Information, Message = "Google Wallet callback: card {CardId} saved by its customer")]
    public static partial void CallbackSaved(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6108, EventName = "GoogleWalletCallbackRepeated", Level = LogLevel.Debug, Message = "Google Wallet callback for card {CardId} delivered again; already recorded")]
    public static partial void CallbackRepeated(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6109, EventName = "GoogleWalletCallbackCardUnknown", Level = LogLevel.Warning, Message = "Google Wallet callback: card {CardId} is not in the store; nothing recorded")]
    public static partial void CallbackCardUnknown(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6110, EventName = "GoogleWalletCallbackDeleted", Level = LogLevel.Information, Message = "Google Wallet callback: card {CardId} deleted from Google Wallet by its customer")]
    public static partial void CallbackDeleted(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6111, EventName = "GoogleWalletCallbackIgnored", Level = LogLevel.Information, Message = "Google Wallet callback ({EventType}) ignored: {Reason}")]
    public static partial void CallbackIgnored(ILogger logger, string eventType, string reason);

    [LoggerMessage(EventId = 6112, EventName = "GoogleWalletCallbackKeysFetched", Level = LogLevel.Information, Message = "Google Wallet callback root keys fetched: {Count} keys")]
    public static partial void CallbackKeysFetched(ILogger logger, int count);

    [LoggerMessage(EventId = 6113, EventName = "GoogleWalletCallbackKeysUnavailable", Level = LogLevel.Warning, Message = "Google Wallet callback root keys cannot be fetched: {Reason}")]
    public static partial void CallbackKeysUnavailable(ILogger logger, string reason);
}
