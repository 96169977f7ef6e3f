using Microsoft.Extensions.Time.Testing;
using SevenStamp.Connectors.Host.Health;

namespace SevenStamp.Connectors.Host.Tests;

public class FailureGraceTests
{
    [Fact]
    public void Health_DependencyDownForLessThanTheGracePeriod_IsDegradedThenUnhealthyThenRecovers()
    {
        var time = new FakeTimeProvider();
        var grace = new FailureGrace(time, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.Zero, grace.Observe(healthy: true));
        Assert.Equal(TimeSpan.Zero, grace.Observe(healthy: false));
        time.Advance(TimeSpan.FromSeconds(20));
        var shortOutage = grace.Observe(healthy: false);
        time.Advance(TimeSpan.FromSeconds(11));
        var longOutage = grace.Observe(healthy: false);

        Assert.Equal(TimeSpan.FromSeconds(20), shortOutage);
        Assert.False(grace.Exceeded(shortOutage));
        Assert.True(grace.Exceeded(longOutage));
        Assert.Equal(TimeSpan.Zero, grace.Observe(healthy: true));
        Assert.Equal(TimeSpan.Zero, grace.Observe(healthy: false));
    }
}
