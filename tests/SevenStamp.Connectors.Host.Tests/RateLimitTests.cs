using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The host with small abuse limits; each test speaks from loopback addresses of its own, so the tests' per-client counts never meet.</summary>
public sealed class RateLimitHostFixture : IAsyncLifetime
{
    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await RunningHost.StartAsync(
        """{ "connectors": [] }""",
        new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Vouchers:LinkSecret"] = "rate-limit-link-secret-0123456789abcdef",
            ["SevenStamp:RateLimits:StaffRedeem:PermitLimit"] = "3",
            ["SevenStamp:RateLimits:StaffRedeem:Window"] = "00:00:42",
            ["SevenStamp:RateLimits:StaffRedeemPerClient:PermitLimit"] = "6",
            ["SevenStamp:RateLimits:SelfRedeem:PermitLimit"] = "2",
            ["SevenStamp:RateLimits:SelfRedeemPerClient:PermitLimit"] = "4",
            ["SevenStamp:RateLimits:CustomerLinks:PermitLimit"] = "3",
            ["SevenStamp:RateLimits:CustomerLinksPerClient:PermitLimit"] = "6",
            ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "3",
            ["SevenStamp:RateLimits:SignIn:Window"] = "00:00:30",
            ["SevenStamp:RateLimits:PasswordReset:PermitLimit"] = "2",
        });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Staff redeem, the customer's self-redeem and the customer's link reads: past a limit 429 with <c>Retry-After</c>,
/// per key (token, link) and per client address; another key or another client is still served. The links and
/// tokens are made up: a request that would get 401 or 404 counts all the same, so guessing is limited too. (A key
/// counts from every address, so the other client uses a key of its own.)
/// </summary>
public sealed class RateLimitTests(RateLimitHostFixture fixture) : IClassFixture<RateLimitHostFixture>
{
    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task StaffRedeem_PastOneTokensLimit_Answers429WithRetryAfterAndAnotherTokenIsServed()
    {
        // Arrange
        using var client = LoopbackClients.From(11, Host.Client.BaseAddress!);
        var allowed = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add(await StaffRedeemAsync(client, "token-flood"));
        }

        // Act
        using var limited = await SendStaffRedeemAsync(client, "token-flood");
        var otherToken = await StaffRedeemAsync(client, "token-calm");

        // Assert: the setting's 3 and 00:00:42 hold, not the defaults (120 a minute).
        Assert.All(allowed, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(42), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Unauthorized, otherToken);
    }

    [Fact]
    public async Task StaffRedeem_PastOneClientsLimit_Answers429ForAFreshTokenAndAnotherClientIsServed()
    {
        // Arrange: six tokens, one request each, from one address (its limit is 6).
        using var client = LoopbackClients.From(12, Host.Client.BaseAddress!);
        using var otherClient = LoopbackClients.From(13, Host.Client.BaseAddress!);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StaffRedeemAsync(client, $"token-client-{i}"));
        }

        // Act
        using var limited = await SendStaffRedeemAsync(client, "token-client-fresh");
        var otherClientsAnswer = await StaffRedeemAsync(otherClient, "token-other-client");

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Unauthorized, otherClientsAnswer);
    }

    [Fact]
    public async Task StaffRedeem_SpoofedForwardedFor_StillCountsByTheConnectionsAddress()
    {
        // Arrange: forwarded headers are not enabled, so X-Forwarded-For must not make new clients.
        using var client = LoopbackClients.From(14, Host.Client.BaseAddress!);
        for (var i = 0; i < 6; i++)
        {
            using var allowed = await SendStaffRedeemAsync(client, $"token-spoof-{i}", forwardedFor: $"203.0.113.{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, allowed.StatusCode);
        }

        // Act
        using var limited = await SendStaffRedeemAsync(client, "token-spoof-fresh", forwardedFor: "198.51.100.1");

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }

    [Fact]
    public async Task CardLink_ReadsAndPassDownloadsPastTheLinksLimit_Answer429AndAnotherLinkIsServed()
    {
        // Arrange: the card, then its Apple and Google passes: one link, one count (limit 3).
        using var client = LoopbackClients.From(31, Host.Client.BaseAddress!);
        var link = $"/wallet/cards/{Guid.NewGuid():N}/made-up-token";
        using var card = await client.GetAsync(link);
        using var apple = await client.GetAsync(link + "/apple.pkpass");
        using var google = await client.GetAsync(link + "/google");

        // Act
        using var limited = await client.GetAsync(link);
        using var otherLink = await client.GetAsync($"/wallet/cards/{Guid.NewGuid():N}/made-up-token");

        // Assert
        Assert.All([card, apple, google], r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NotFound, otherLink.StatusCode);
    }

    /// <summary>Self-redeem (limit 4 per client) and voucher link reads (6 per client), each link used once.</summary>
    [Theory]
    [InlineData("POST", "/v/{0}/made-up-token/redeem", 4, 22)]
    [InlineData("GET", "/v/{0}/made-up-token", 6, 32)]
    public async Task VoucherLink_PastOneClientsLimit_Answers429ForAFreshLinkAndAnotherClientIsServed(string method, string linkFormat, int limit, byte address)
    {
        // Arrange
        using var client = LoopbackClients.From(address, Host.Client.BaseAddress!);
        using var otherClient = LoopbackClients.From((byte)(address + 1), Host.Client.BaseAddress!);
        Task<HttpResponseMessage> SendAsync(HttpClient from) =>
            from.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(CultureInfo.InvariantCulture, linkFormat, Guid.NewGuid())));
        for (var i = 0; i < limit; i++)
        {
            using var allowed = await SendAsync(client);
            Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        }

        // Act
        using var limited = await SendAsync(client);
        using var otherClientsAnswer = await SendAsync(otherClient);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NotFound, otherClientsAnswer.StatusCode);
    }

    /// <summary>Self-redeem (limit 2 per link) and voucher link reads (3 per link).</summary>
    [Theory]
    [InlineData("POST", "/v/{0}/made-up-token/redeem", 2, 21)]
    [InlineData("GET", "/v/{0}/made-up-token", 3, 34)]
    public async Task VoucherLink_PastOneLinksLimit_Answers429WithRetryAfterAndAnotherLinkIsServed(string method, string linkFormat, int limit, byte address)
    {
        // Arrange
        using var client = LoopbackClients.From(address, Host.Client.BaseAddress!);
        var link = string.Format(CultureInfo.InvariantCulture, linkFormat, Guid.NewGuid());
        var otherLink = string.Format(CultureInfo.InvariantCulture, linkFormat, Guid.NewGuid());
        for (var i = 0; i < limit; i++)
        {
            using var allowed = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), link));
            Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        }

        // Act
        using var limited = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), link));
        using var otherLinksAnswer = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), otherLink));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NotFound, otherLinksAnswer.StatusCode);
    }

    [Fact]
    public async Task Webhooks_ManyFromOneClient_AreNeverRateLimited()
    {
        // Arrange
        using var client = LoopbackClients.From(41, Host.Client.BaseAddress!);

        // Act: more than any per-client limit here, to a connector that does not exist.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync("/webhooks/no-such-connector", new StringContent("{}"));
            statuses.Add(response.StatusCode);
        }

        // Assert
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses);
    }

    private static async Task<HttpStatusCode> StaffRedeemAsync(HttpClient client, string token)
    {
        using var response = await SendStaffRedeemAsync(client, token);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendStaffRedeemAsync(HttpClient client, string token, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/staff/redeem") { Content = new StringContent("""{ "code": "CC-ANYTHING" }""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task SignInAndPasswordReset_PastOneClientsLimit_Answer429WithRetryAfterAndAnotherClientIsServed()
    {
        // Arrange: guesses at passwords and reset tokens of a name (unknown here: they count all the same).
        using var guesser = LoopbackClients.From(61, Host.Client.BaseAddress!);
        using var other = LoopbackClients.From(62, Host.Client.BaseAddress!);
        var signIns = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            signIns.Add((await guesser.PostAsync("/api/account/sign-in", Json("""{"userName": "owner", "password": "guess-1234567"}"""))).StatusCode);
        }

        var resets = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            resets.Add((await guesser.PostAsync("/api/account/password-reset", Json("""{"userName": "owner", "token": "guess", "password": "Guess-Pass-2026"}"""))).StatusCode);
        }

        // Act
        using var limitedSignIn = await guesser.PostAsync("/api/account/sign-in", Json("""{"userName": "owner", "password": "guess-1234567"}"""));
        using var limitedReset = await guesser.PostAsync("/api/account/password-reset", Json("""{"userName": "owner", "token": "guess", "password": "Guess-Pass-2026"}"""));
        using var otherSignIn = await other.PostAsync("/api/account/sign-in", Json("""{"userName": "owner", "password": "guess-1234567"}"""));

        // Assert
        Assert.All(signIns, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(resets, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedSignIn.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), limitedSignIn.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedReset.StatusCode);
        Assert.NotNull(limitedReset.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Unauthorized, otherSignIn.StatusCode);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
