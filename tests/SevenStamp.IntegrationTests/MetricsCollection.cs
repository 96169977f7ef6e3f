namespace SevenStamp.IntegrationTests;

/// <summary>
/// Tests that read a host's queue gauges on <c>/metrics</c> run alone. Every host started in this test process
/// exports the instruments of all of them (their meters share one name), so a gauge series can belong to another
/// test's host and vanish when that host stops; in production one process runs one host.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;
