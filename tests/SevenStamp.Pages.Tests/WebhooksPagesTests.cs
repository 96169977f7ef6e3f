using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;
using SevenStamp.Testing;
using SevenStamp.Testing.Fakes.Webhooks;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// An owner connects their own system in the console: adds a webhook and copies its secret (shown once), a sale at the
/// till reaches the receiver signed with that secret, the delivery log shows it, and it is sent again from the page.
/// </summary>
public sealed class WebhooksPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string PosSecret = "webhooks-pages-pos-secret-0123456789";

    private WebhooksPagesHost _host = null!;
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _host = await WebhooksPagesHost.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddWebhook_ThenASale_SignedEventDeliveredLoggedAndSentAgainFromThePage(bool phone)
    {
        // Arrange: an owner, and a till connected to their merchant.
        var merchant = phone ? "hook-cafe-phone" : "hook-cafe";
        var run = phone ? "webhooks-on-phone" : "webhooks";
        var page = await _host.SignedInOwnerAsync(browser, merchant, phone);
        using var op = _host.Operator();
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync($"/api/merchants/{merchant}/program", new { name = "Hook card", reward = "A free coffee", stampGoal = 10 })).StatusCode);
        var till = $"{merchant}-till";
        var connector = await op.PostAsJsonAsync($"/api/merchants/{merchant}/connectors", new { id = till, plugin = "generic-webhook", settings = new { signingSecret = PosSecret } });
        Assert.True(connector.StatusCode == HttpStatusCode.Created, await connector.Content.ReadAsStringAsync());

        // Act: from the menu to the empty list; a URL that is not https first, then the receiver's.
        if (phone)
        {
            await page.GotoAsync("/console/webhooks");
        }
        else
        {
            await page.Locator(".console-nav").GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
            await page.WaitForURLAsync("**/console/webhooks");
        }

        var empty = await page.Locator(".empty-state").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-empty");
        await page.GetByLabel("Endpoint URL").FillAsync("ftp://x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the webhook" }).ClickAsync();
        var urlError = await page.Locator("#url-error").InnerTextAsync();
        var urlInvalid = await page.GetByLabel("Endpoint URL").GetAttributeAsync("aria-invalid");
        await Browser.CheckAndSaveAsync(page, $"{run}-add-error");
        await page.GetByLabel("Endpoint URL").FillAsync(_receiver.UrlOf(merchant));
        await page.Locator("input[name=Events][value=stamp_added]").CheckAsync();
        await page.GetByLabel("Description (optional)").FillAsync("Our CRM");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the webhook" }).ClickAsync();
        var secret = await page.Locator("#signing-secret").InnerTextAsync();
        var secretBox = await page.Locator("#secret-box").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-added");
        await page.GotoAsync("/console/webhooks");
        var secretsAfterReload = await page.Locator("#signing-secret").CountAsync();
        var row = await page.Locator("li.subscription").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-list");

        // Assert: the error beside the URL, the secret once, the list.
        Assert.Contains("No webhook yet", empty, StringComparison.Ordinal);
        Assert.Contains("https", urlError, StringComparison.Ordinal);
        Assert.Equal("true", urlInvalid);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains("Copy it now: it will not be shown again.", secretBox, StringComparison.Ordinal);
        Assert.Contains("Any Standard Webhooks library verifies the signature with this secret.", secretBox, StringComparison.Ordinal);
        Assert.Equal(0, secretsAfterReload);
        Assert.Contains(_receiver.UrlOf(merchant), row, StringComparison.Ordinal);
        Assert.Contains("stamp_added", row, StringComparison.Ordinal);
        Assert.Contains("Our CRM", row, StringComparison.Ordinal);
        Assert.Contains("Enabled", row, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Act: a signed sale at the till.
        var sale = RunningHost.SaleJson($"evt-{merchant}-1", $"S-{merchant}-1", "C-1");
        await Eventually.AssertAsync(async () => (await _host.Host.PostWebhookAsync(till, sale, PosSecret)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the till's sale accepted");
        await Eventually.AssertAsync(() => Task.FromResult(_receiver.To(merchant).Count > 0), TimeSpan.FromSeconds(30), "the stamp_added webhook to arrive");

        // Assert: signed with the secret the page showed, valid against its schema.
        var first = Assert.Single(_receiver.To(merchant));
        using (var body = JsonDocument.Parse(first.Body))
        {
            Assert.Equal("stamp_added", body.RootElement.GetProperty("event").GetString());
        }

        Assert.Null(WebhookChecks.SignatureProblem(first, secret));
        Assert.Null(WebhookChecks.SchemaProblem(first.Body));

        // Act: the webhook's page and its log, once the delivery is recorded.
        await page.GetByRole(AriaRole.Link, new() { Name = _receiver.UrlOf(merchant) }).ClickAsync();
        await page.WaitForURLAsync("**/console/webhooks/*");
        var detailsUrl = page.Url;
        await Eventually.AssertAsync(
            async () =>
            {
                await page.GotoAsync(detailsUrl);
                return (await page.Locator("table.log tbody tr").CountAsync()) == 1
                    && (await page.Locator("table.log tbody tr").InnerTextAsync()).Contains("Delivered", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(20),
            "the log to show the delivery delivered");
        var logRow = await page.Locator("table.log tbody tr").InnerTextAsync();
        var heading = await page.Locator("h1").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-details");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send again the stamp_added" }).ClickAsync();
        var notice = await page.Locator("#notice").InnerTextAsync();
        await Eventually.AssertAsync(() => Task.FromResult(_receiver.To(merchant).Count == 2), TimeSpan.FromSeconds(30), "the delivery to be sent again");

        // Assert: the log's row, and the same webhook-id sent again.
        Assert.Equal("Our CRM", heading);
        Assert.Contains("stamp_added", logRow, StringComparison.Ordinal);
        Assert.Contains("200", logRow, StringComparison.Ordinal);
        Assert.Contains(" ms", logRow, StringComparison.Ordinal);
        Assert.Contains("same webhook-id", notice, StringComparison.Ordinal);
        var again = _receiver.To(merchant)[1];
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Null(WebhookChecks.SignatureProblem(again, secret));

        // Act: every event of the last hour sent again, then a new secret through its confirm step.
        await page.GotoAsync(detailsUrl);
        await page.GetByLabel("Every event of").SelectOptionAsync("hour");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send them again" }).ClickAsync();
        var replayNotice = await page.Locator("#notice").InnerTextAsync();
        await Eventually.AssertAsync(() => Task.FromResult(_receiver.To(merchant).Count == 3), TimeSpan.FromSeconds(30), "the replay to arrive");
        await page.GetByRole(AriaRole.Link, new() { Name = "Rotate the secret" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, make a new secret" }).WaitForAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-confirm-rotate");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, make a new secret" }).ClickAsync();
        var newSecret = await page.Locator("#signing-secret").InnerTextAsync();
        var rotatedBox = await page.Locator("#secret-box").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-rotated");

        // Assert
        Assert.Contains("1 event is being sent again", replayNotice, StringComparison.Ordinal);
        Assert.Equal(first.MessageId, _receiver.To(merchant)[2].MessageId);
        Assert.StartsWith("whsec_", newSecret, StringComparison.Ordinal);
        Assert.NotEqual(secret, newSecret);
        Assert.Contains("keeps working for 24 hours", rotatedBox, StringComparison.Ordinal);

        // Act: every event from now on, saved from the settings form.
        await page.GotoAsync(detailsUrl);
        await page.GetByLabel("All events").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        var savedNotice = await page.Locator("#notice").InnerTextAsync();
        var allTicked = await page.GetByLabel("All events").IsCheckedAsync();
        var stampTicked = await page.Locator("input[name=Events][value=stamp_added]").IsCheckedAsync();

        // Assert
        Assert.Equal("Your changes are saved.", savedNotice);
        Assert.True(allTicked);
        Assert.False(stampTicked);
        using (var api = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/{merchant}/webhooks")))
        {
            Assert.Equal("*", Assert.Single(api.RootElement[0].GetProperty("events").EnumerateArray()).GetString());
        }

        // Act: disable, then delete through the confirm step.
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await page.Locator("#state", new() { HasText = "Disabled" }).WaitForAsync();
        var disabledReason = await page.Locator("#disabled-reason").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-disabled");
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" }).ClickAsync();
        await page.WaitForURLAsync("**/console/webhooks?deleted=1");
        var afterDelete = await page.Locator("main").InnerTextAsync();

        // Assert: each change in the audit log with the API's kinds; never a secret there.
        Assert.Contains("Disabled by the merchant.", disabledReason, StringComparison.Ordinal);
        Assert.Contains("The webhook was deleted", afterDelete, StringComparison.Ordinal);
        Assert.Contains("No webhook yet", afterDelete, StringComparison.Ordinal);
        var audit = await AuditAsync(merchant);
        Assert.Equal(
            ["webhook.created", "webhook.redelivered", "webhook.replayed", "webhook.secret-rotated", "webhook.changed", "webhook.changed", "webhook.deleted"],
            audit.Select(a => a.Kind));
        Assert.All(audit, a => Assert.DoesNotContain("whsec_", $"{a.Before} {a.After}", StringComparison.Ordinal));
        Assert.Contains(_receiver.UrlOf(merchant), audit[0].After ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhooksPage_Staff_IsSentToTheDeniedPage()
    {
        // Arrange: a staff person of a merchant, signed in.
        await _host.CreateMerchantAsync("staff-hooks", "Staff Hooks");
        using var op = _host.Operator();
        var invite = await op.PostAsJsonAsync("/api/merchants/staff-hooks/people/invites", new { role = "Staff" });
        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
        var token = (await invite.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.Created, (await op.PostAsJsonAsync("/api/account/invites/accept", new { token, userName = "sam", password = WebhooksPagesHost.OwnerPassword })).StatusCode);
        var page = await browser.NewPageAsync(_host.BaseAddress);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("User name").FillAsync("sam");
        await page.GetByLabel("Password").FillAsync(WebhooksPagesHost.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/scanner");

        // Act
        await page.GotoAsync("/console/webhooks");

        // Assert
        Assert.Contains("/account/denied", page.Url, StringComparison.Ordinal);
        Assert.Equal("This page is not for your role", await page.Locator("h1").InnerTextAsync());
    }

    [Fact]
    public async Task WebhookPage_AnotherMerchantsOrUnknownSubscription_IsNotFound()
    {
        // Arrange: merchant B's subscription, made through the API, and A's owner in the browser.
        await _host.CreateMerchantAsync("other-hooks", "Other Hooks");
        using var op = _host.Operator();
        var created = await op.PostAsJsonAsync("/api/merchants/other-hooks/webhooks", new { url = _receiver.UrlOf("other-hooks"), description = "Other's CRM" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString();
        var page = await _host.SignedInOwnerAsync(browser, "hook-cafe", phone: true);

        // Act
        var ofOther = await page.GotoAsync($"/console/webhooks/{id}");
        var ofOtherText = await page.Locator("main").InnerTextAsync();
        var unknown = await page.GotoAsync($"/console/webhooks/{Guid.NewGuid()}");
        await page.GotoAsync("/console/webhooks");
        var list = await page.Locator("main").InnerTextAsync();

        // Assert
        Assert.Equal(404, ofOther!.Status);
        Assert.DoesNotContain("Other's CRM", ofOtherText, StringComparison.Ordinal);
        Assert.Equal(404, unknown!.Status);
        Assert.DoesNotContain("other-hooks", list, StringComparison.Ordinal);
    }

    private async Task<List<AuditEntry>> AuditAsync(string merchantId)
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        return await db.AuditEntries.AsNoTracking().Where(a => a.MerchantId == merchantId && a.Kind.StartsWith("webhook.")).OrderBy(a => a.Id).ToListAsync();
    }
}

/// <summary>
/// The pages' host (as <see cref="PagesHost"/> starts it) whose operator lets outbound webhooks reach the tests'
/// receiver on loopback over plain http.
/// </summary>
internal sealed class WebhooksPagesHost : IAsyncDisposable
{
    public const string OwnerPassword = PagesHost.OwnerPassword;

    private WebhooksPagesHost(RunningHost host) => Host = host;

    public RunningHost Host { get; }

    public Uri BaseAddress => Host.Client.BaseAddress!;

    public static async Task<WebhooksPagesHost> StartAsync() => new(await RunningHost.StartAsync(
        """{ "connectors": [] }""",
        new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Api:AdminKey"] = PagesHost.AdminKey,
            ["SevenStamp:Vouchers:LinkSecret"] = "pages-link-secret-0123456789abcdefghijk",
            ["SevenStamp:Connectors:SecretsKey"] = "cGFnZXMtc2VjcmV0cy1rZXktMDEyMzQ1Njc4OWFiY2Q=",
            ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "1000",
            ["SevenStamp:RateLimits:PasswordReset:PermitLimit"] = "1000",
            ["SevenStamp:OutboundWebhooks:AllowPrivateAddresses"] = "true",
            ["SevenStamp:OutboundWebhooks:AllowHttp"] = "true",
            ["SevenStamp:OutboundWebhooks:SettleTime"] = "00:00:00",
        }));

    /// <summary>Creates a merchant as the operator does and returns the path of its first owner's invite.</summary>
    public async Task<string> CreateMerchantAsync(string id, string name)
    {
        using var op = Operator();
        var response = await op.PostAsJsonAsync("/api/merchants", new { id, name });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Create merchant: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("ownerInvite").GetProperty("link").GetString()!;
    }

    /// <summary>A merchant with an owner, and a browser page signed in as that owner on the console's home.</summary>
    public async Task<IPage> SignedInOwnerAsync(Browser browser, string merchantId, bool phone = false)
    {
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

    public HttpClient Operator()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PagesHost.AdminKey);
        return client;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
