using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Apple;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>Pass updates against a local HTTP/2 APNs that checks the JWT, the topic and the path.</summary>
public sealed class ApnsTests : IAsyncLifetime
{
    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private FakeApns _apns = null!;
    private AppleHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        _host = await AppleHost.StartAsync(LoyaltyStoreProvider.Sqlite, _kit.Settings(_apns.Url), bus: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _apns.DisposeAsync();
        _kit.Dispose();
    }

    private async Task<Guid> RegisteredCardAsync(params string[] pushTokens)
    {
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        var device = 0;
        foreach (var pushToken in pushTokens)
        {
            (await _host.RegisterAsync($"device-{++device}-{card:N}", card, token, pushToken)).Dispose();
        }

        return card;
    }

    private Task<long> TagOfAsync(Guid card) =>
        _host.WithDbAsync(db => db.Set<ApplePassUpdate>().Where(u => u.SerialNumber == card).Select(u => u.Tag).SingleAsync());

    [Fact]
    public async Task Update_RegisteredDevices_EachGetAnEmptyHttp2PushWithAValidJwtAndTheTopic()
    {
        var card = await RegisteredCardAsync("aaaa1111", "bbbb2222");

        await _host.UpdatePassAsync(card);

        Assert.Equal(2, _apns.Pushes.Count);
        Assert.All(_apns.Pushes, push =>
        {
            Assert.Null(push.JwtProblem);
            Assert.Equal(AppleTestKit.PassTypeId, push.Topic);
            Assert.Equal("{}", push.Body);
            Assert.Equal("HTTP/2", push.Protocol);
            Assert.Equal("background", push.PushType);
        });
        Assert.Equal(["aaaa1111", "bbbb2222"], _apns.Pushes.Select(p => p.DeviceToken).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Update_DeviceTokenAnswered410_RemovesItsRegistration()
    {
        var card = await RegisteredCardAsync("dead0000", "live1111");
        _apns.AnswerFor("dead0000", (410, "Unregistered"));

        await _host.UpdatePassAsync(card);

        var left = await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().Where(r => r.SerialNumber == card).Select(r => r.PushToken).ToListAsync());
        Assert.Equal(["live1111"], left);
    }

    [Fact]
    public async Task Update_BadDeviceToken400_RemovesItsRegistration()
    {
        var card = await RegisteredCardAsync("bad00000");
        _apns.AnswerFor("bad00000", (400, "BadDeviceToken"));

        await _host.UpdatePassAsync(card);

        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == card)));
    }

    [Fact]
    public async Task Update_Apns500_IsRetriedAndThenDelivered()
    {
        var card = await RegisteredCardAsync("flaky000");
        _apns.AnswerFor("flaky000", (500, "InternalServerError"), (503, "ServiceUnavailable"));

        await _host.UpdatePassAsync(card);

        Assert.Equal(3, _apns.PushesTo("flaky000"));
        Assert.Equal(1, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == card)));
    }

    [Fact]
    public async Task Update_ApnsDownThroughEveryAttempt_ThrowsSoTheMessageIsRetriedAndKeepsTheRegistration()
    {
        var card = await RegisteredCardAsync("down0000");
        _apns.AnswerFor("down0000", (500, "InternalServerError"), (500, "InternalServerError"), (500, "InternalServerError"));

        await Assert.ThrowsAsync<ApnsUnavailableException>(() => _host.UpdatePassAsync(card));

        Assert.Equal(3, _apns.PushesTo("down0000"));
        Assert.Equal(1, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == card)));
        // The tag moved anyway: the device finds the change on its next look.
        Assert.Equal(1, await _host.WithDbAsync(db => db.Set<ApplePassUpdate>().CountAsync(u => u.SerialNumber == card)));
    }

    [Fact]
    public async Task Update_CardWithoutRegistrations_SendsNoPush()
    {
        var downloaded = await _host.SeedCardAsync(3);
        await _host.DownloadAsync(downloaded);
        var never = await _host.SeedCardAsync(3);

        await _host.UpdatePassAsync(downloaded);
        await _host.UpdatePassAsync(never);

        Assert.Empty(_apns.Pushes);
        Assert.Equal(1, await _host.WithDbAsync(db => db.Set<ApplePassUpdate>().CountAsync(u => u.SerialNumber == downloaded)));
        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassUpdate>().CountAsync(u => u.SerialNumber == never)));
    }

    [Fact]
    public async Task Update_Redelivered_MovesTheTagAgainAndStillWorks()
    {
        var card = await RegisteredCardAsync("again000");

        await _host.UpdatePassAsync(card);
        var first = await _host.WithDbAsync(db => db.Set<ApplePassUpdate>().Where(u => u.SerialNumber == card).Select(u => u.Tag).SingleAsync());
        await _host.UpdatePassAsync(card);
        var second = await _host.WithDbAsync(db => db.Set<ApplePassUpdate>().Where(u => u.SerialNumber == card).Select(u => u.Tag).SingleAsync());

        Assert.True(second > first);
        Assert.Equal(2, _apns.PushesTo("again000"));
    }

    [Fact]
    public async Task Consumer_OneEventPublishedTwiceUnderItsMessageId_PushesEachDeviceOnce()
    {
        // Arrange: the outbox publishes at least once; a copy carries the first one's message id.
        var card = await RegisteredCardAsync("twice000");
        var messageId = NewId.NextGuid();
        StampsAwarded Awarded(string sale) => new() { MerchantId = "cafe-1", CardId = card, ConnectorId = "pos", ExternalSaleId = sale, Stamps = 1, Balance = 4, Goal = 10, AwardedAt = DateTimeOffset.UtcNow };

        // Act: the event, its copy, then another event.
        await _host.ConsumeAsync(Awarded("S-1"), messageId);
        var tag = await TagOfAsync(card);
        await _host.PublishCopyAsync(Awarded("S-1"), messageId);
        var tagAfterCopy = await TagOfAsync(card);
        await _host.ConsumeAsync(Awarded("S-2"));

        // Assert
        Assert.Equal(tag, tagAfterCopy);
        Assert.Equal(2, _apns.PushesTo("twice000"));
        Assert.Equal(2, await _host.WithDbAsync(db => db.WalletAppliedEvents.CountAsync(a => a.Consumer == "apple")));
    }

    [Theory]
    [InlineData(nameof(VoucherIssued))]
    [InlineData(nameof(VoucherRedeemed))]
    [InlineData(nameof(VoucherExpired))]
    public async Task Consumer_VoucherEvent_MovesTheTagAndPushesEachRegisteredDeviceOnce(string kind)
    {
        // Arrange: the pass was updated once already (a baseline tag and one push per device).
        var card = await RegisteredCardAsync("phone000", "watch000");
        await _host.UpdatePassAsync(card);
        var before = await TagOfAsync(card);
        var now = DateTimeOffset.UtcNow;
        var voucherId = Guid.NewGuid();

        // Act: the voucher event arrives on the bus.
        await (kind switch
        {
            nameof(VoucherIssued) => _host.ConsumeAsync(new VoucherIssued { MerchantId = "cafe-1", CardId = card, VoucherId = voucherId, Cycle = 1, RedeemCode = "CAFE-7Q2K", Reward = "A free coffee", IssuedAt = now }),
            nameof(VoucherRedeemed) => _host.ConsumeAsync(new VoucherRedeemed { MerchantId = "cafe-1", CardId = card, VoucherId = voucherId, Method = RedemptionMethod.RedeemCode, ExternalSaleId = "S-1", RedeemedAt = now }),
            nameof(VoucherExpired) => _host.ConsumeAsync(new VoucherExpired { MerchantId = "cafe-1", CardId = card, VoucherId = voucherId, ExpiredAt = now }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });

        // Assert: a newer tag, and exactly one more push to each device.
        Assert.True(await TagOfAsync(card) > before, $"{kind} did not move the pass's update tag.");
        Assert.Equal(2, _apns.PushesTo("phone000"));
        Assert.Equal(2, _apns.PushesTo("watch000"));
        Assert.Equal(4, _apns.Pushes.Count);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("date")]
    public async Task Push_Answered429WithRetryAfter_WaitsWhatApnsAskedThenDelivers(string retryAfter)
    {
        // Arrange: APNs throttles the first push and asks for 30 s (as seconds, or as an HTTP date 30 s ahead).
        // (The fake APNs checks the token's iat against the real clock, so the fake clock starts at now, whole seconds.)
        var time = new RecordingTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        _apns.AnswerFor("slow0000", (429, "TooManyRequests"));
        _apns.RetryAfter = retryAfter == "date" ? time.GetUtcNow().AddSeconds(30).ToString("R", System.Globalization.CultureInfo.InvariantCulture) : retryAfter;
        using var http = new HttpClient();
        var client = Client(http, time);

        // Act: the push waits on the (fake) clock; the test moves it by exactly each delay the client asks for, until
        // the push completes. (On a loaded machine an attempt can also fail on its own and add a back-off first.)
        var push = client.PushAsync("slow0000", CancellationToken.None);
        var delays = new List<TimeSpan>();
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            while (delays.Count < 10)
            {
                var next = time.NextDelayAsync(stop.Token);
                if (await Task.WhenAny(push, next) == push)
                {
                    break;
                }

                delays.Add(await next);
                time.Advance(delays[^1]);
            }

            await stop.CancelAsync();
        }

        var (outcome, _) = await push.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        // Assert: after the 429, APNs's 30 s (not the 50 ms back-off), then a push that is delivered, once.
        Assert.Equal(TimeSpan.FromSeconds(30), delays[^1]);
        Assert.Equal(ApnsOutcome.Delivered, outcome);
        Assert.Equal(1, _apns.DeliveredTo("slow0000"));
    }

    [Fact]
    public async Task Push_ExpiredProviderToken_IsSignedAgainWithANewIatOnceAndDelivered()
    {
        // Arrange: a token is reused until APNs calls it expired 10 minutes later (e.g. APNs's clock is ahead);
        // after the new token a 503 makes the client try once more.
        var time = new RecordingTimeProvider(DateTimeOffset.UtcNow);
        using var http = new HttpClient();
        var tokens = new ApnsTokenSource(ApnsOptions(), _host.Services.GetRequiredService<AppleWalletCredentials>(), time);
        var client = Client(http, time, tokens);
        Assert.Equal(ApnsOutcome.Delivered, (await client.PushAsync("warm0000", CancellationToken.None)).Outcome);
        time.Advance(TimeSpan.FromMinutes(10));
        _apns.AnswerFor("stale000", (403, "ExpiredProviderToken"), (503, "ServiceUnavailable"));

        // Act
        var push = client.PushAsync("stale000", CancellationToken.None);
        time.Advance(await time.NextDelayAsync());
        // Bounded: a further wait on the fake clock (nobody moves it again) fails the test instead of hanging it.
        var (outcome, _) = await push.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        // Assert: the push after the 403 carries a token signed 10 minutes later; the retry after the 503 reuses it
        // (signing again would draw 429 TooManyProviderTokenUpdates); delivered.
        Assert.Equal(ApnsOutcome.Delivered, outcome);
        var pushes = _apns.Pushes.Where(p => p.DeviceToken == "stale000").ToList();
        Assert.Equal(3, pushes.Count);
        Assert.All(pushes, p => Assert.Null(p.JwtProblem));
        var warm = _apns.Pushes.Single(p => p.DeviceToken == "warm0000");
        Assert.Equal(warm.Jwt, pushes[0].Jwt);
        Assert.Equal(warm.IssuedAt + 600, pushes[1].IssuedAt);
        Assert.Equal(pushes[1].Jwt, pushes[2].Jwt);
        Assert.Equal(1, _apns.DeliveredTo("stale000"));
        // Later pushes keep the renewed token.
        Assert.Equal(ApnsOutcome.Delivered, (await client.PushAsync("after000", CancellationToken.None)).Outcome);
        Assert.Equal(pushes[1].Jwt, _apns.Pushes.Single(p => p.DeviceToken == "after000").Jwt);
    }

    [Fact]
    public void ProviderToken_RenewedByOnePush_IsNotRenewedAgainForAnotherThatMetTheSameExpiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = new ApnsTokenSource(ApnsOptions(), _host.Services.GetRequiredService<AppleWalletCredentials>(), time);
        var expired = source.Current();

        var first = source.Renew(expired);
        var second = source.Renew(expired);

        Assert.NotEqual(expired, first);
        Assert.Equal(first, second);
        Assert.Equal(first, source.Current());
    }

    private AppleWalletOptions ApnsOptions()
    {
        var options = PkpassTests.Options(_kit);
        options.Apns.Host = _apns.Url;
        options.Apns.RetryDelay = TimeSpan.FromMilliseconds(50);
        return options;
    }

    private ApnsClient Client(HttpClient http, TimeProvider time, ApnsTokenSource? tokens = null) =>
        new(http, tokens ?? new ApnsTokenSource(ApnsOptions(), _host.Services.GetRequiredService<AppleWalletCredentials>(), time), ApnsOptions(), time, NullLogger<ApnsClient>.Instance);

    /// <summary>A fake clock that also tells which delays the code under test waits for.</summary>
    private sealed class RecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Told only once the timer is registered: a test that advances the clock as soon as it hears of the delay
            // must not move it before the timer exists (the timer would then wait a whole delay past the new now).
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _delays.Writer.TryWrite(dueTime);
            }

            return timer;
        }

        /// <summary>The next delay asked for (waits for the code to ask; fails the test after a minute without one).</summary>
        public async Task<TimeSpan> NextDelayAsync(CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            return await _delays.Reader.ReadAsync(timeout.Token);
        }
    }

    [Fact]
    public void ProviderToken_Over50Minutes_IsReusedThenRenewed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = new ApnsTokenSource(PkpassTests.Options(_kit), _host.Services.GetRequiredService<AppleWalletCredentials>(), time);

        var first = source.Current();
        time.Advance(TimeSpan.FromMinutes(49));
        var reused = source.Current();
        time.Advance(TimeSpan.FromMinutes(2));
        var renewed = source.Current();

        Assert.Equal(first, reused);
        Assert.NotEqual(first, renewed);
    }
}
