using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The language of what customers and staff read: the browser's language when supported, else the merchant's default,
/// else English; Hebrew and Persian pages are right to left; the console and the API stay invariant.
/// </summary>
public sealed class PageLanguageTests : IAsyncLifetime
{
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("he", "he", "rtl")]
    [InlineData("fa-IR,fa;q=0.9,en;q=0.5", "fa", "rtl")]
    [InlineData("zh-CN,zh;q=0.9", "zh-Hans", "ltr")]
    [InlineData("uz-Latn-UZ", "uz", "ltr")]
    [InlineData("kk", "kk", "ltr")]
    [InlineData("de-DE,de;q=0.9", "en", "ltr")]
    public async Task SignInPage_BrowserLanguage_SetsTheLanguageAndDirection(string acceptLanguage, string lang, string dir)
    {
        // Act
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in");
        request.Headers.Accept.ParseAdd("text/html");
        request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);
        var response = await _host.Host.Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<html lang=\"{lang}\" dir=\"{dir}\">", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("he", "<h1>כניסה</h1>")]
    [InlineData("zh-CN", "<h1>登录</h1>")]
    [InlineData("en-GB", "<h1>Sign in</h1>")]
    public async Task SignInPage_BrowserLanguage_ReadsInThatLanguage(string acceptLanguage, string heading)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in");
        request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);

        var html = await (await _host.Host.Client.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.Contains(heading, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPage_LangInTheQuery_WinsOverTheBrowser()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in?lang=he");
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");

        var html = await (await _host.Host.Client.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.Contains("<html lang=\"he\" dir=\"rtl\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CardLink_BrowserAsksForNoSupportedLanguage_FollowsTheMerchantsDefault()
    {
        // Arrange: a merchant whose customers read Hebrew, and a card of theirs.
        using var api = _host.Operator();
        var created = await api.PostAsJsonAsync("/api/merchants", new { id = "shuk-cafe", name = "Shuk Café", language = "he" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/merchants/shuk-cafe/program", new { name = "Stamp card", reward = "A free drink", stampGoal = 3 })).StatusCode);
        using var card = JsonDocument.Parse(await (await api.PostAsJsonAsync("/api/merchants/shuk-cafe/cards", new { })).Content.ReadAsStringAsync());
        var link = card.RootElement.GetProperty("walletLink").GetString()!;

        // Act
        var german = await LanguageOfAsync(link, "de");
        var chinese = await LanguageOfAsync(link, "zh-CN");
        var changed = await api.PutAsJsonAsync("/api/merchants/shuk-cafe/language", new { language = "FA" });
        var afterChange = await LanguageOfAsync(link, "de");
        var unknown = await LanguageOfAsync("/wallet/cards/" + Guid.NewGuid().ToString("N") + "/x", "de");

        // Assert
        Assert.Equal("he", german);
        Assert.Equal("zh-Hans", chinese);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("fa", afterChange);
        Assert.Equal("en", unknown);
        Assert.Equal("fa", JsonDocument.Parse(await api.GetStringAsync("/api/merchants")).RootElement.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "shuk-cafe").GetProperty("language").GetString());
    }

    [Theory]
    [InlineData("""{ "language": "de" }""")]
    [InlineData("""{ "language": "" }""")]
    [InlineData("""{ }""")]
    public async Task SetLanguage_UnsupportedOrMissing_IsRefusedNamingTheFieldAndTheChoices(string body)
    {
        using var api = _host.Operator();
        await _host.CreateMerchantAsync("corner-cafe", "Corner Café");

        var response = await api.PutAsync("/api/merchants/corner-cafe/language", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("language", problem, StringComparison.Ordinal);
        Assert.Contains("zh-Hans", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateMerchant_UnsupportedLanguage_IsRefusedAndNothingIsCreated()
    {
        using var api = _host.Operator();

        var response = await api.PostAsJsonAsync("/api/merchants", new { id = "bistro", name = "Bistro", language = "klingon" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("language", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("bistro", await api.GetStringAsync("/api/merchants"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_BrowserLanguage_ChangesNothing()
    {
        using var api = _host.Operator();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/merchants");
        request.Headers.AcceptLanguage.ParseAdd("fa");

        var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentLanguage);
    }

    /// <summary>The language a customer's link answers in (Content-Language), asked as an API client in <paramref name="acceptLanguage"/>.</summary>
    private async Task<string> LanguageOfAsync(string path, string acceptLanguage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);
        var response = await _host.Host.Client.SendAsync(request);
        return Assert.Single(response.Content.Headers.ContentLanguage);
    }
}
