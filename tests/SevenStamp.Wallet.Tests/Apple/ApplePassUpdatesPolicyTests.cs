using System.Text.Json;
using Microsoft.Data.Sqlite;
using SevenStamp.Wallet.Apple;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>Which faults of a pass update are retried and redelivered, and which go to the error queue at once.</summary>
public sealed class ApplePassUpdatesPolicyTests
{
    public static TheoryData<Exception> Transient() =>
    [
        new ApnsUnavailableException("APNs could not be reached after 3 attempts."),
        new HttpRequestException("connection refused"),
        new TimeoutException(),
        new SqliteException("database is locked", 5),
        new Microsoft.EntityFrameworkCore.DbUpdateException("the row was written meanwhile"),
    ];

    public static TheoryData<Exception> Permanent() =>
    [
        new JsonException("the message is not a card event"),
        new ArgumentException("bad card id", "cardId"),
        new NullReferenceException(),
        new FormatException(),
    ];

    [Theory]
    [MemberData(nameof(Transient))]
    public void RetryPolicy_ApnsOrTheDatabaseUnavailable_IsRetried(Exception fault) =>
        Assert.True(ApplePassUpdatesConsumerDefinition.IsTransient(fault), $"{fault.GetType().Name} should be retried.");

    [Theory]
    [MemberData(nameof(Permanent))]
    public void RetryPolicy_FaultThatWouldHappenAgain_IsNotRetried(Exception fault) =>
        Assert.False(ApplePassUpdatesConsumerDefinition.IsTransient(fault), $"{fault.GetType().Name} should go to the error queue at once.");
}
