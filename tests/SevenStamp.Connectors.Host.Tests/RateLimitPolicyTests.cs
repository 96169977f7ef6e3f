using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The named limits on their own: the sign-in and password-reset policies (which the accounts' endpoints apply) on
/// test-only endpoints, every limit's settings, their checks at start, and <c>X-Forwarded-For</c> when the operator
/// enables forwarded headers.
/// </summary>
public sealed class RateLimitPolicyTests
{
    [Theory]
    [InlineData(RateLimits.SignIn, "/sign-in")]
    [InlineData(RateLimits.PasswordReset, "/password-reset")]
    public async Task Policy_PastItsLimitFromOneClient_Answers429WithRetryAfterAndAnotherClientIsServed(string policy, string path)
    {
        // Arrange
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            [$"SevenStamp:RateLimits:{policy}:PermitLimit"] = "2",
            [$"SevenStamp:RateLimits:{policy}:Window"] = "00:15:00",
        });
        using var client = LoopbackClients.From(51, new Uri(app.Urls.First()));
        using var otherClient = LoopbackClients.From(52, new Uri(app.Urls.First()));
        using var first = await client.PostAsync(path, null);
        using var second = await client.PostAsync(path, null);

        // Act
        using var limited = await client.PostAsync(path, null);
        using var otherClientsAnswer = await otherClient.PostAsync(path, null);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(15), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, otherClientsAnswer.StatusCode);
    }

    [Fact]
    public async Task SignIn_ForwardedHeadersEnabled_CountsEachForwardedClientApart()
    {
        // Arrange: as behind a reverse proxy with ASPNETCORE_FORWARDEDHEADERS_ENABLED=true; every request from 127.0.0.1.
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["FORWARDEDHEADERS_ENABLED"] = "true",
            ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "2",
        });
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            first.Add(await SignInAsync(client, "203.0.113.10"));
        }

        // Act
        var limited = await SignInAsync(client, "203.0.113.10");
        var otherClient = await SignInAsync(client, "203.0.113.11");

        // Assert
        Assert.All(first, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited);
        Assert.Equal(HttpStatusCode.OK, otherClient);
    }

    /// <summary>Every limit in <see cref="RateLimitOptions"/> takes its two settings from <c>SevenStamp:RateLimits:&lt;Name&gt;</c>.</summary>
    [Fact]
    public void AddRateLimits_EveryLimitsSettings_AreBound()
    {
        // Arrange
        var names = typeof(RateLimitOptions).GetProperties().Select(p => p.Name).ToList();
        var settings = names.SelectMany(n => new[]
        {
            KeyValuePair.Create<string, string?>($"SevenStamp:RateLimits:{n}:PermitLimit", "7"),
            KeyValuePair.Create<string, string?>($"SevenStamp:RateLimits:{n}:Window", "00:00:09"),
        });
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        // Act
        using var provider = services.AddRateLimits().BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<RateLimitOptions>>().Value;

        // Assert
        Assert.Equal(15, names.Count);
        Assert.All(names, n =>
        {
            var rule = (RateLimitRule)typeof(RateLimitOptions).GetProperty(n)!.GetValue(options)!;
            Assert.Equal(7, rule.PermitLimit);
            Assert.Equal(TimeSpan.FromSeconds(9), rule.Window);
        });
    }

    [Theory]
    [InlineData("StaffRedeem", "PermitLimit", "0")]
    [InlineData("CustomerLinksPerClient", "PermitLimit", "-1")]
    [InlineData("PasswordReset", "Window", "00:00:00")]
    public async Task StartAsync_RuleOutOfRange_FailsNamingTheRule(string name, string setting, string value)
    {
        // Act
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new Dictionary<string, string?> { [$"SevenStamp:RateLimits:{name}:{setting}"] = value }));

        // Assert
        Assert.Contains(name, failure.Message, StringComparison.Ordinal);
        Assert.Contains($"SevenStamp:RateLimits:<Name>:{setting}", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A web host with the limits and two test-only endpoints, as the accounts' sign-in and reset will be.</summary>
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRateLimits();
        var app = builder.Build();
        app.UseRateLimiter();
        app.MapPost("/sign-in", () => Results.Ok()).RequireRateLimiting(RateLimits.SignIn);
        app.MapPost("/password-reset", () => Results.Ok()).RequireRateLimiting(RateLimits.PasswordReset);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sign-in");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
