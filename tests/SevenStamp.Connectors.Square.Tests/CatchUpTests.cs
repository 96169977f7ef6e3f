using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>SearchOrders catch-up: sales missed while the connector was down, published once, with the offset stored.</summary>
public sealed class CatchUpTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private FakeSquareServer _square = null!;

    public async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        // Five completed sales this morning (three pages of two), plus orders the catch-up must pass over.
        for (var i = 0; i < 5; i++)
        {
            _square.PutOrder(SquarePayloads.Order($"O-{(char)('A' + i)}", customerId: $"CUST-{i}", updatedAt: Now.AddHours(-4).AddMinutes(10 * i)));
        }

        _square.PutOrder(SquarePayloads.Order("O-YESTERDAY", updatedAt: Now.AddHours(-25)));
        _square.PutOrder(SquarePayloads.Order("O-OPEN", state: "OPEN", updatedAt: Now.AddHours(-3)));
        _square.PutOrder(SquarePayloads.Order("O-ELSEWHERE", location: "LOTHERSHOP01", updatedAt: Now.AddHours(-3)));
    }

    public async ValueTask DisposeAsync() => await _square.DisposeAsync();

    private static readonly string[] MorningSales = ["O-A", "O-B", "O-C", "O-D", "O-E"];

    private IReadOnlyList<JsonElement> SearchBodies() =>
        [.. _square.RequestsTo("/v2/orders/search").Select(r => JsonDocument.Parse(r.Body).RootElement)];

    private static string StartAt(JsonElement body) =>
        body.GetProperty("query").GetProperty("filter").GetProperty("date_time_filter").GetProperty("updated_at").GetProperty("start_at").GetString()!;

    [Fact]
    public async Task CatchUp_SalesMissedWhileDown_ArePublishedOnceAcrossPagesAndTheOffsetIsStored()
    {
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);

        var published = await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Equal(5, published);
        Assert.Equal(MorningSales, harness.Sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal("CUST-3", harness.Sink.Sales[3].Customer.PosCustomerId);
        Assert.All(harness.Sink.Sales, s => Assert.Equal(4.50m, s.Total));
        Assert.Equal(Now.ToString("O", CultureInfo.InvariantCulture), await harness.Store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None));

        var bodies = SearchBodies();
        Assert.Equal(3, bodies.Count);
        Assert.Equal([null, "page-2", "page-4"], bodies.Select(b => b.TryGetProperty("cursor", out var c) ? c.GetString() : null));
        Assert.All(bodies, b =>
        {
            Assert.Equal([SquarePayloads.Location], b.GetProperty("location_ids").EnumerateArray().Select(l => l.GetString()));
            Assert.Equal(["COMPLETED"], b.GetProperty("query").GetProperty("filter").GetProperty("state_filter").GetProperty("states").EnumerateArray().Select(s => s.GetString()));
            Assert.Equal("2026-11-22T12:00:00.000Z", StartAt(b));
            Assert.Equal("2026-11-23T12:00:00.000Z", b.GetProperty("query").GetProperty("filter").GetProperty("date_time_filter").GetProperty("updated_at").GetProperty("end_at").GetString());
            Assert.Equal(("UPDATED_AT", "ASC"), (b.GetProperty("query").GetProperty("sort").GetProperty("sort_field").GetString(), b.GetProperty("query").GetProperty("sort").GetProperty("sort_order").GetString()));
        });
        Assert.All(_square.RequestsTo("/v2/orders/search"), r => Assert.Equal(("Bearer " + FakeSquareServer.AccessToken, SquareConnector.DefaultSquareVersion), (r.Authorization, r.SquareVersion)));
    }

    [Fact]
    public async Task CatchUp_SecondRunFromTheStoredOffset_PublishesNothingNewEvenAfterARestart()
    {
        await using var first = SquareHarness.Create(_square, timeProvider: _time);
        await first.SquareTask.CatchUpOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));

        var again = await first.SquareTask.CatchUpOnceAsync(CancellationToken.None);
        await using var restarted = first.Restarted(_time);
        _time.Advance(TimeSpan.FromMinutes(5));
        _square.PutOrder(SquarePayloads.Order("O-F", updatedAt: Now.AddMinutes(7)));
        var afterRestart = await restarted.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Equal(0, again);
        Assert.Equal(1, afterRestart);
        Assert.Equal(MorningSales, first.Sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal(["O-F"], restarted.Sink.Sales.Select(s => s.ExternalSaleId));
        // Each run starts at the stored offset, less a small overlap for orders Square indexed late.
        Assert.Equal(["2026-11-22T12:00:00.000Z", "2026-11-23T11:58:00.000Z", "2026-11-23T12:03:00.000Z"], SearchBodies().Where(b => !b.TryGetProperty("cursor", out _)).Select(StartAt));
        Assert.Equal(Now.AddMinutes(10).ToString("O", CultureInfo.InvariantCulture), await restarted.Store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None));
    }

    [Fact]
    public async Task CatchUp_SaleAlreadyPublishedByAWebhook_IsNotPublishedAgain()
    {
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);
        await harness.SendAsync(SquarePayloads.PaymentEvent("evt-c1", "payment.updated", "PAYC0001", "COMPLETED", "O-C"));

        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Equal(["O-C", "O-A", "O-B", "O-D", "O-E"], harness.Sink.Sales.Select(s => s.ExternalSaleId));
    }

    [Fact]
    public async Task CatchUp_PageKeepsFailing_OffsetStaysAfterTheLastDurablePageAndTheNextRunResumes()
    {
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);
        _square.FailingCursor = "page-2";

        await Assert.ThrowsAsync<SquareApiException>(() => harness.SquareTask.CatchUpOnceAsync(CancellationToken.None));
        var offsetAfterFailure = await harness.Store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None);
        _square.FailingCursor = null;
        _time.Advance(TimeSpan.FromMinutes(5));
        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        // O-B (08:10) was the last sale of the first page.
        Assert.Equal(Now.AddHours(-4).AddMinutes(10).ToString("O", CultureInfo.InvariantCulture), offsetAfterFailure);
        Assert.Equal(MorningSales, harness.Sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal("2026-11-23T08:08:00.000Z", StartAt(SearchBodies().Last(b => !b.TryGetProperty("cursor", out _))));
    }

    [Fact]
    public async Task CatchUp_SinkDown_RemembersNothingAndTheNextRunPublishesEverything()
    {
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);
        harness.Sink.Unavailable = true;

        await Assert.ThrowsAsync<CheckoutSinkUnavailableException>(() => harness.SquareTask.CatchUpOnceAsync(CancellationToken.None));
        var offset = await harness.Store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None);
        harness.Sink.Unavailable = false;
        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Null(offset);
        Assert.Equal(MorningSales, harness.Sink.Sales.Select(s => s.ExternalSaleId));
    }

    [Fact]
    public async Task CatchUp_StoredOffsetAheadOfTheClock_NeverMakesAnEmptyOrInvertedRange()
    {
        var store = new InMemoryConnectorStore();
        await store.SetOffsetAsync(SquareTask.OffsetKey, Now.AddHours(1).ToString("O", CultureInfo.InvariantCulture), CancellationToken.None);
        _square.PutOrder(SquarePayloads.Order("O-JUST-NOW", updatedAt: Now.AddMinutes(-1)));
        await using var harness = SquareHarness.Create(_square, store: store, timeProvider: _time);

        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Equal("2026-11-23T11:58:00.000Z", StartAt(Assert.Single(SearchBodies())));
        Assert.Equal(["O-JUST-NOW"], harness.Sink.Sales.Select(s => s.ExternalSaleId));
    }

    [Fact]
    public async Task CatchUp_AnotherReplicaStoredANewerOffsetDuringThePass_OffsetDoesNotMoveBack()
    {
        // Another replica's pass started a minute later and finished while this one was still reading pages.
        var newer = Now.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture);
        var store = new OvertakenStore(newer);
        await using var harness = SquareHarness.Create(_square, store: store, timeProvider: _time);

        var published = await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        // The pages' offsets (this morning) and the pass's own end (now) are older: the newer offset stays.
        Assert.Equal(5, published);
        Assert.Equal(newer, await store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None));
    }

    [Fact]
    public async Task CatchUp_MoreThanTenLocations_AreSearchedTenAtATime()
    {
        var locations = Enumerable.Range(1, 11).Select(i => $"LSHOP{i:D2}").Append(SquarePayloads.Location).ToArray();
        _square.PutOrder(SquarePayloads.Order("O-SHOP11", location: "LSHOP11", updatedAt: Now.AddHours(-1)));
        await using var harness = SquareHarness.Create(_square, v => v["locationIds"] = string.Join(",", locations), timeProvider: _time);

        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        var searched = SearchBodies().Where(b => !b.TryGetProperty("cursor", out _)).Select(b => b.GetProperty("location_ids").EnumerateArray().Select(l => l.GetString()!).ToList()).ToList();
        Assert.Equal([10, 2], searched.Select(s => s.Count));
        Assert.Equal(locations.Order(StringComparer.Ordinal), searched.SelectMany(s => s).Order(StringComparer.Ordinal));
        Assert.Equal([.. MorningSales, "O-SHOP11"], harness.Sink.Sales.Select(s => s.ExternalSaleId).Order(StringComparer.Ordinal));
        Assert.Equal(Now.ToString("O", CultureInfo.InvariantCulture), await harness.Store.GetOffsetAsync(SquareTask.OffsetKey, CancellationToken.None));
    }

    [Fact]
    public async Task CatchUp_UnreadableOrder_IsSkippedAndLoggedWithoutStoppingTheOthers()
    {
        _square.PutOrder("""{ "id": "O-BROKEN", "location_id": "L8GH2TQ4V1K9B", "state": "COMPLETED", "updated_at": "2026-11-23T08:05:00.000Z", "version": 1 }""");
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);

        await harness.SquareTask.CatchUpOnceAsync(CancellationToken.None);

        Assert.Equal(MorningSales, harness.Sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Contains(harness.Logger.Lines, l => l.Contains("total_money is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CatchUpLoop_Started_CatchesUpOnStartThenEveryIntervalSurvivesFailuresAndStops()
    {
        // The first pass fails (the try and its three retries), so the loop must log it and try again later.
        _square.FailNext(500, 500, 500, 500);
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);

        await harness.Task.StartAsync(CancellationToken.None);
        var caughtUp = await AdvanceUntilAsync(() => harness.Sink.Sales.Count == 5);
        _square.PutOrder(SquarePayloads.Order("O-LATE", updatedAt: _time.GetUtcNow()));
        var caughtUpAgain = await AdvanceUntilAsync(() => harness.Sink.Sales.Count == 6);
        await harness.Task.StopAsync(CancellationToken.None);
        var searchesWhenStopped = _square.RequestsTo("/v2/orders/search").Count;
        _time.Advance(TimeSpan.FromHours(1));

        Assert.True(caughtUp, "The loop did not catch up after its failed first pass.");
        Assert.True(caughtUpAgain, "The loop did not run again after its interval.");
        Assert.Equal([.. MorningSales, "O-LATE"], harness.Sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Contains(harness.Logger.Lines, l => l.StartsWith("Error 4104", StringComparison.Ordinal));
        Assert.Equal(searchesWhenStopped, _square.RequestsTo("/v2/orders/search").Count);
    }

    [Fact]
    public async Task CatchUpLoop_Stopping_HonoursTheHostsToken()
    {
        await using var harness = SquareHarness.Create(_square, timeProvider: _time);
        await harness.Task.StartAsync(CancellationToken.None);

        await harness.Task.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await harness.Task.StopAsync(CancellationToken.None);
    }

    /// <summary>Moves the fake clock on by the catch-up interval until <paramref name="condition"/> holds (or 30 s pass).</summary>
    private Task<bool> AdvanceUntilAsync(Func<bool> condition) => Eventually.HoldsAsync(
        () =>
        {
            if (condition())
            {
                return true;
            }

            _time.Advance(TimeSpan.FromMinutes(5));
            return false;
        },
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMilliseconds(20));

    /// <summary>A store that another replica writes a newer offset into right after this pass read it.</summary>
    private sealed class OvertakenStore(string newer) : IConnectorStore
    {
        private readonly InMemoryConnectorStore _inner = new();
        private int _reads;

        public async Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken)
        {
            var value = await _inner.GetOffsetAsync(key, cancellationToken);
            if (Interlocked.Increment(ref _reads) == 1)
            {
                await _inner.SetOffsetAsync(key, newer, cancellationToken);
            }

            return value;
        }

        public Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken) => _inner.SetOffsetAsync(key, value, cancellationToken);

        public Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken) => _inner.AdvanceOffsetAsync(key, value, cancellationToken);

        public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) => _inner.IsSeenAsync(eventId, cancellationToken);

        public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken) => _inner.MarkSeenAsync(eventId, cancellationToken);
    }
}
