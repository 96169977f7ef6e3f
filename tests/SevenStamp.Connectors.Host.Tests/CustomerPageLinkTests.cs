using System.Net;
using Microsoft.AspNetCore.Http;
using SevenStamp.Connectors.Host.Components;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The customer's card and voucher links answer a browser with a page and any other client with JSON; the pages
/// count against the same limits as the JSON (reads as the link's reads, the "Use now" form as self-redeem), per link.
/// </summary>
public sealed class CustomerPageLinkTests(RateLimitHostFixture fixture) : IClassFixture<RateLimitHostFixture>
{
    private RunningHost Host => fixture.Host;

    [Theory]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true)] // a browser's navigation
    [InlineData("text/html; blazor-enhanced-nav=on", true)]                                                      // Blazor's enhanced navigation
    [InlineData("text/html, application/json", true)]
    [InlineData(null, false)]                                                                                    // HttpClient, scripts
    [InlineData("*/*", false)]                                                                                   // curl
    [InlineData("application/json", false)]
    [InlineData("application/json, text/html;q=0.5", false)]
    [InlineData("text/html;q=0", false)]
    public void WantsHtml_AcceptHeader_ChoosesThePageOnlyWhenHtmlIsAskedForByName(string? accept, bool page)
    {
        // Arrange
        var http = new DefaultHttpContext();
        if (accept is not null)
        {
            http.Request.Headers.Accept = accept;
        }

        // Act
        var wantsHtml = BrowserPagePolicy.WantsHtml(http.Request);

        // Assert
        Assert.Equal(page, wantsHtml);
    }

    [Fact]
    public async Task VoucherPage_ReadsPastTheLinksLimit_Answer429AndTheLinksJsonIsLimitedToo()
    {
        // Arrange: one made-up voucher link read as a page three times (limit 3 a link).
        using var client = LoopbackClients.From(71, Host.Client.BaseAddress!);
        var link = $"/v/{Guid.NewGuid():N}/made-up-token";
        var pages = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var page = await SendAsync(client, HttpMethod.Get, link, "text/html");
            pages.Add(page.StatusCode);
        }

        // Act
        using var limitedPage = await SendAsync(client, HttpMethod.Get, link, "text/html");
        using var limitedJson = await SendAsync(client, HttpMethod.Get, link, "application/json");
        using var otherLink = await SendAsync(client, HttpMethod.Get, $"/v/{Guid.NewGuid():N}/made-up-token", "text/html");

        // Assert
        Assert.All(pages, s => Assert.Equal(HttpStatusCode.NotFound, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedPage.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherLink.StatusCode);
        Assert.Equal("text/html", otherLink.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task VoucherPage_UseNowPostsPastTheSelfRedeemLimit_Answer429AndTheRedeemApiIsLimitedToo()
    {
        // Arrange: the page's form posted twice to one made-up link (limit 2 a link), without its antiforgery token.
        using var client = LoopbackClients.From(72, Host.Client.BaseAddress!);
        var link = $"/v/{Guid.NewGuid():N}/made-up-token";
        var posts = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var post = await PostFormAsync(client, link);
            posts.Add(post.StatusCode);
        }

        // Act
        using var limitedPost = await PostFormAsync(client, link);
        using var limitedApi = await client.PostAsync(link + "/redeem", null);
        using var read = await SendAsync(client, HttpMethod.Get, link, "text/html");

        // Assert: refused for want of the token until the limit, then 429; reading the link is a count of its own.
        Assert.All(posts, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedPost.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedApi.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string accept)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("_handler", "use-now")]) };
        request.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(request);
    }
}
