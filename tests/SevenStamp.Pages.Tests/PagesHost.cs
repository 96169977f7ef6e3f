using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The real host for the pages: Kestrel on a loopback port, a database of the given kind, the bundled plugins from
/// disk, no connectors yet; the operator's key creates merchants the way an operator would.
/// </summary>
public sealed class PagesHost : IAsyncDisposable
{
    public const string AdminKey = "pages-admin-key-0123456789abcdefghijkl";
    public const string OwnerPassword = "Owner-Pass-2026";

    private PagesHost(RunningHost host) => Host = host;

    public RunningHost Host { get; }

    public Uri BaseAddress => Host.Client.BaseAddress!;

    public static async Task<PagesHost> StartAsync(LoyaltyStoreProvider provider = LoyaltyStoreProvider.Sqlite)
    {
        var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Vouchers:LinkSecret"] = "pages-link-secret-0123456789abcdefghijk",
                ["SevenStamp:Connectors:SecretsKey"] = "cGFnZXMtc2VjcmV0cy1rZXktMDEyMzQ1Njc4OWFiY2Q=",

                // Every test signs in from this one address; the limits have their own tests.
                ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "1000",
                ["SevenStamp:RateLimits:PasswordReset:PermitLimit"] = "1000",
            },
            provider);
        return new PagesHost(host);
    }

    /// <summary>Creates a merchant as the operator does and returns the path of its first owner's invite.</summary>
    public async Task<string> CreateMerchantAsync(string id, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/merchants") { Content = JsonContent.Create(new { id, name }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var response = await Host.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Create merchant: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("ownerInvite").GetProperty("link").GetString()!;
    }

    /// <summary>
    /// A merchant with an owner (invited and accepted through the API) and a browser page signed in as that owner
    /// through the sign-in page, on the console's home. The owner's password is <see cref="OwnerPassword"/>.
    /// </summary>
    public async Task<IPage> SignedInOwnerAsync(Browser browser, string merchantId, bool phone = false)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var invite = await CreateMerchantAsync(merchantId, merchantId.ToUpperInvariant());
        var accepted = await Host.Client.PostAsJsonAsync("/api/account/invites/accept", new { token = invite["/account/invite/".Length..], userName = $"{merchantId}-owner", password = OwnerPassword });
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, $"Accept: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
        var page = await browser.NewPageAsync(BaseAddress, phone);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("User name").FillAsync($"{merchantId}-owner");
        await page.GetByLabel("Password").FillAsync(OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/console");
        return page;
    }

    /// <summary>An HTTP client with the operator's key, for arranging what a test needs through the API.</summary>
    public HttpClient Operator()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
