using Microsoft.Extensions.Logging;

namespace SevenStamp.Wallet.Apple;

/// <summary>Log lines of Apple passes. Never a token, push token or device id: cards by id, devices by count.</summary>
internal static partial class AppleWalletLog
{
    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Apple pass of card {CardId} registered on a device")]
    public static partial void Registered(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "Apple pass of card {CardId} unregistered from a device")]
    public static partial void Unregistered(ILogger logger, Guid cardId);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Apple Wallet device log: {Message}")]
    public static partial void DeviceLog(ILogger logger, string message);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "Apple pass of card {CardId} updated (tag {Tag}); pushed to {Delivered} of {Devices} devices, {Removed} device tokens removed")]
    public static partial void Pushed(ILogger logger, Guid cardId, long tag, int delivered, int devices, int removed);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "APNs answered {Status} ({Reason}); attempt {Attempt} of {MaxAttempts}")]
    public static partial void ApnsRetry(ILogger logger, int status, string reason, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Error, Message = "APNs refused the push with {Status} ({Reason}); check SevenStamp:Wallet:Apple:Apns (key, team, topic)")]
    public static partial void ApnsRefused(ILogger logger, int status, string reason);

    [LoggerMessage(EventId = 6207, Level = LogLevel.Warning, Message = "APNs could not be reached: {Problem}; attempt {Attempt} of {MaxAttempts}")]
    public static partial void ApnsUnreachable(ILogger logger, string problem, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 6208, Level = LogLevel.Information, Message = "A device token of card {CardId}'s pass is no longer valid at APNs ({Reason}); its registration was removed")]
    public static partial void DeviceTokenRemoved(ILogger logger, Guid cardId, string reason);
}
