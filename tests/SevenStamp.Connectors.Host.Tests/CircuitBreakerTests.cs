using SevenStamp.Connectors.Host.Connectors;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// A connector's circuit: opened by a run of failures, first briefly, then for twice as long each time the first call
/// after it fails, up to the longest set; closed by one success. Driven by explicit times, no clock.
/// </summary>
public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private static ConnectorRuntime Runtime() => new(new ConnectorInstanceConfig("shop", "generic-webhook", "cafe-1", true, new Dictionary<string, string?>()), plugin: null);

    [Fact]
    public void CountFailure_ThresholdReached_OpensForTheFirstOpeningOnly()
    {
        var runtime = Runtime();
        for (var i = 0; i < 4; i++)
        {
            runtime.CountFailure(Start, 5, Longest);
        }

        Assert.Null(runtime.CircuitOpenUntil(Start));
        runtime.CountFailure(Start, 5, Longest);

        Assert.Equal(Start + ConnectorRuntime.FirstOpening, runtime.CircuitOpenUntil(Start));
        Assert.Null(runtime.CircuitOpenUntil(Start + ConnectorRuntime.FirstOpening));
    }

    [Fact]
    public void CountFailure_FirstCallAfterEachOpeningFails_OpensAgainTwiceAsLongUpToTheLongest()
    {
        var runtime = Runtime();
        for (var i = 0; i < 5; i++)
        {
            runtime.CountFailure(Start, 5, Longest);
        }

        var at = Start;
        var lengths = new List<TimeSpan>();
        for (var opening = 0; opening < 6; opening++)
        {
            var until = runtime.CircuitOpenUntil(at)!.Value;
            lengths.Add(until - at);
            at = until;
            runtime.CountFailure(at, 5, Longest);
        }

        Assert.Equal([2, 4, 8, 16, 30, 30], lengths.Select(l => l.TotalSeconds));
    }

    [Fact]
    public void CountFailure_CallsThatWereRunningWhenItOpened_DoNotLengthenIt()
    {
        var runtime = Runtime();
        for (var i = 0; i < 5 + 7; i++)
        {
            runtime.CountFailure(Start.AddMilliseconds(i), 5, Longest);
        }

        Assert.Equal(Start.AddMilliseconds(4) + ConnectorRuntime.FirstOpening, runtime.CircuitOpenUntil(Start.AddMilliseconds(11)));
    }

    [Fact]
    public void CountSuccess_AfterAnOpening_ClosesItAndTheNextOpeningIsShortAgain()
    {
        var runtime = Runtime();
        for (var i = 0; i < 5; i++)
        {
            runtime.CountFailure(Start, 5, Longest);
        }

        var after = Start + ConnectorRuntime.FirstOpening;
        runtime.CountFailure(after, 5, Longest);
        var later = runtime.CircuitOpenUntil(after)!.Value;
        runtime.CountSuccess();

        runtime.CountFailure(later, 5, Longest);
        Assert.Null(runtime.CircuitOpenUntil(later));
        for (var i = 0; i < 4; i++)
        {
            runtime.CountFailure(later, 5, Longest);
        }

        Assert.Equal(later + ConnectorRuntime.FirstOpening, runtime.CircuitOpenUntil(later));
    }

    [Fact]
    public void OpeningLength_LongestShorterThanTheFirstOpening_IsTheLongest()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), ConnectorRuntime.OpeningLength(1, TimeSpan.FromMilliseconds(500)));
    }
}
