using Microsoft.Extensions.Time.Testing;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Contracts;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Simulator.Tests;

public class SimulatorConnectorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["interval"] = "1s", ["customers"] = "3", ["seed"] = "7" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Moves the fake clock one interval at a time until the sink holds <paramref name="count"/> records.</summary>
    private static async Task TickUntil(FakeTimeProvider time, RecordingSink sink, int count)
    {
        for (var i = 0; i < 200 && sink.Records.Count < count; i++)
        {
            time.Advance(Interval);
            var before = sink.Records.Count;
            await Eventually.HoldsAsync(() => sink.Records.Count != before || sink.Unavailable, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(5));
        }
    }

    [Fact]
    public async Task Simulator_Configured_SalesArriveOnTheClockWithDuplicatesAndAnonymousOnes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var (task, sink) = ConnectorHarness.Create(new SimulatorConnector(), Settings(("maxSales", "6"), ("duplicateEvery", "3"), ("anonymousEvery", "4")), time);
        await task.StartAsync(CancellationToken.None);

        await TickUntil(time, sink, 8);
        time.Advance(Interval * 5);
        await Task.Delay(100);
        await task.StopAsync(CancellationToken.None);
        await task.DisposeAsync();

        var sales = sink.Sales;
        Assert.Equal(8, sales.Count);
        var ids = sales.Select(s => s.ExternalSaleId[^6..]).ToList();
        Assert.Equal(["000001", "000002", "000003", "000003", "000004", "000005", "000006", "000006"], ids);
        Assert.All(sales.Where(s => s.ExternalSaleId.EndsWith("000004", StringComparison.Ordinal)), s => Assert.Equal(CustomerIdentifiers.None, s.Customer));
        Assert.All(sales.Where(s => !s.ExternalSaleId.EndsWith("000004", StringComparison.Ordinal)), s => Assert.Matches("^cust-[1-3]$", s.Customer.PosCustomerId));
        Assert.All(sales, s =>
        {
            Assert.Equal(ConnectorHarness.MerchantId, s.MerchantId);
            Assert.Equal("EUR", s.Currency);
            Assert.NotEmpty(s.LineItems);
            Assert.Equal(s.LineItems.Sum(l => l.Quantity * l.UnitPrice), s.Total);
        });
    }

    [Fact]
    public async Task Simulator_SinkRefusesASale_OffersItAgainAndSkipsNone()
    {
        var time = new FakeTimeProvider();
        var (task, sink) = ConnectorHarness.Create(new SimulatorConnector(), Settings(("maxSales", "2")), time);
        sink.Unavailable = true;
        await task.StartAsync(CancellationToken.None);

        for (var i = 0; i < 3; i++)
        {
            time.Advance(Interval);
            await Task.Delay(50);
        }

        sink.Unavailable = false;
        await TickUntil(time, sink, 2);
        await task.StopAsync(CancellationToken.None);

        Assert.Equal(["000001", "000002"], sink.Sales.Select(s => s.ExternalSaleId[^6..]));
    }

    [Fact]
    public async Task Stop_Running_EndsTheLoopPromptly()
    {
        var (task, _) = ConnectorHarness.Create(new SimulatorConnector(), Settings(), new FakeTimeProvider());
        await task.StartAsync(CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await task.StopAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested);
    }

    [Theory]
    [InlineData("customers", "0", "customers")]
    [InlineData("currency", "eur", "currency")]
    [InlineData("interval", "0s", "interval")]
    [InlineData("duplicateEvery", "-1", "duplicateEvery")]
    [InlineData("maxSales", "many", "maxSales")]
    public void ValidateSettings_BadSettings_NameTheirField(string key, string value, string field)
    {
        var errors = ConnectorHarness.Validate(new SimulatorConnector(), Settings((key, value)));

        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void ValidateSettings_Defaults_MakeAValidConfiguration() =>
        Assert.Empty(ConnectorHarness.Validate(new SimulatorConnector(), new Dictionary<string, string?>()));

    [Fact]
    public void SettingsSchema_EverySetting_HasADescription() =>
        Assert.All(new SimulatorConnector().SettingsDefinition, (SettingDefinition d) => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
}
