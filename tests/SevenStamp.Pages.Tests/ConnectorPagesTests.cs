using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace SevenStamp.Pages.Tests;

/// <summary>An owner connects a point of sale: the catalogue, the form generated from the plugin's settings, the connector's page and its actions.</summary>
public sealed class ConnectorPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string Secret = "corner-cafe-signing-secret-0123456789";

    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task AddConnector_GenericWebhookFromTheGeneratedForm_IsListedPausedResumedChangedAndDeleted()
    {
        // Arrange
        var page = await _host.SignedInOwnerAsync(browser, "corner-cafe");
        using var api = _host.Operator();

        // Act: the empty list, the catalogue, the generated form with a secret too short, then a good one.
        await page.GotoAsync("/console/connectors");
        var emptyState = await page.Locator(".empty-state").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-list-empty");
        await page.Locator(".empty-state").GetByRole(AriaRole.Link, new() { Name = "Add a connector" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/new");
        await Browser.CheckAndSaveAsync(page, "connectors-new-catalogue");
        await page.GetByRole(AriaRole.Link, new() { Name = "Set up: Generic JSON webhook" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/new/generic-webhook");
        var suggestedId = await page.GetByLabel("Connector id").InputValueAsync();
        var defaultHeader = await page.GetByLabel("Signature header").InputValueAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-new-form");
        await page.Locator("#setting-signingSecret").FillAsync("too-short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the connector" }).ClickAsync();
        var secretError = await page.Locator("[id='settings.signingSecret-error']").InnerTextAsync();
        var secretAfterError = await page.Locator("#setting-signingSecret").InputValueAsync();
        var secretInvalid = await page.Locator("#setting-signingSecret").GetAttributeAsync("aria-invalid");
        await Browser.CheckAndSaveAsync(page, "connectors-new-form-error");
        await page.Locator("#setting-signingSecret").FillAsync(Secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the connector" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/corner-cafe-generic-webhook?saved=created");
        var webhookUrl = await page.Locator("#webhook-url").InnerTextAsync();
        var createdState = await page.Locator("#state").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-details-created");

        // Assert: the form's error, the connector made, its webhook URL.
        Assert.Contains("No connector yet", emptyState, StringComparison.Ordinal);
        Assert.Equal("corner-cafe-generic-webhook", suggestedId);
        Assert.Equal("X-SevenStamp-Signature", defaultHeader);
        Assert.Contains("too short", secretError, StringComparison.Ordinal);
        Assert.Equal(string.Empty, secretAfterError);
        Assert.Equal("true", secretInvalid);
        Assert.Equal(new Uri(_host.BaseAddress, "/webhooks/corner-cafe-generic-webhook").ToString(), webhookUrl);
        Assert.Equal("Running", createdState);
        using (var created = JsonDocument.Parse(await api.GetStringAsync("/api/connectors/corner-cafe-generic-webhook")))
        {
            Assert.Equal("corner-cafe", created.RootElement.GetProperty("merchantId").GetString());
            Assert.Equal("signingSecret", Assert.Single(created.RootElement.GetProperty("secretsSet").EnumerateArray()).GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await _host.Host.PostWebhookAsync("corner-cafe-generic-webhook", Sale("s-1"), Secret)).StatusCode);

        // Act: pause, then resume.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await page.Locator("#state", new() { HasText = "Paused" }).WaitForAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-details-paused");
        var pausedAnswer = await _host.Host.PostWebhookAsync("corner-cafe-generic-webhook", Sale("s-2"), Secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await page.Locator("#state", new() { HasText = "Running" }).WaitForAsync();

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pausedAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Host.PostWebhookAsync("corner-cafe-generic-webhook", Sale("s-3"), Secret)).StatusCode);

        // Act: the list with the connector and its numbers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Connectors", Exact = true }).First.ClickAsync();
        await page.WaitForURLAsync("**/console/connectors");
        var row = await page.Locator("tbody tr").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-list");

        // Assert: two events in (the paused one was not taken), each a sale out.
        Assert.Contains("corner-cafe-generic-webhook", row, StringComparison.Ordinal);
        Assert.Contains("Running", row, StringComparison.Ordinal);
        Assert.Equal("2", await page.Locator("tbody tr td").Nth(2).InnerTextAsync());

        // Act: change a setting; the secret is left empty and kept.
        await page.GotoAsync("/console/connectors/corner-cafe-generic-webhook/edit");
        var secretOnEdit = await page.Locator("#setting-signingSecret").InputValueAsync();
        var keepHelp = await page.Locator("[id='setting-signingSecret-help']").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-edit");
        var encodingChoices = await page.GetByLabel("Signature encoding").Locator("option").AllInnerTextsAsync();
        await page.GetByLabel("Signature encoding").SelectOptionAsync("base64");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/corner-cafe-generic-webhook?saved=changed");
        var settingsShown = await page.Locator("dl.settings").InnerTextAsync();

        // Assert
        Assert.Equal(string.Empty, secretOnEdit);
        Assert.Equal(["Default (hex)", "hex", "base64"], encodingChoices);
        Assert.Contains("leave empty to keep the current secret", keepHelp, StringComparison.Ordinal);
        Assert.Contains("base64", settingsShown, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);
        using (var changed = JsonDocument.Parse(await api.GetStringAsync("/api/connectors/corner-cafe-generic-webhook")))
        {
            Assert.Equal("base64", changed.RootElement.GetProperty("settings").GetProperty("signatureEncoding").GetString());
            Assert.Equal("signingSecret", Assert.Single(changed.RootElement.GetProperty("secretsSet").EnumerateArray()).GetString());
        }

        // Act: delete, through its confirm step.
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" }).WaitForAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-details-confirm-delete");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors?deleted=*");
        var afterDelete = await page.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-list-deleted");

        // Assert
        Assert.Contains("The connector was deleted", afterDelete, StringComparison.Ordinal);
        Assert.Contains("No connector yet", afterDelete, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/connectors/corner-cafe-generic-webhook")).StatusCode);
    }

    [Fact]
    public async Task ConnectorPage_AnotherMerchantsOrUnknownConnector_IsNotFound()
    {
        // Arrange: merchant B's connector, and A's owner in the browser.
        await _host.CreateMerchantAsync("other-shop", "Other Shop");
        using var api = _host.Operator();
        var created = await api.PostAsync("/api/connectors", new StringContent(
            $$$"""{"id": "other-shop-hook", "plugin": "generic-webhook", "merchantId": "other-shop", "settings": {"signingSecret": "{{{Secret}}}"}}""",
            System.Text.Encoding.UTF8,
            "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var page = await _host.SignedInOwnerAsync(browser, "corner-cafe", phone: true);

        // Act
        var ofOther = await page.GotoAsync("/console/connectors/other-shop-hook");
        var ofOtherText = await page.Locator("main").InnerTextAsync();
        var editOfOther = await page.GotoAsync("/console/connectors/other-shop-hook/edit");
        var unknown = await page.GotoAsync("/console/connectors/no-such-connector");
        var unknownPlugin = await page.GotoAsync("/console/connectors/new/no-such-plugin");
        await Browser.CheckAndSaveAsync(page, "connectors-not-found");

        // Assert
        Assert.Equal(404, ofOther!.Status);
        Assert.DoesNotContain("other-shop", ofOtherText, StringComparison.Ordinal);
        Assert.Equal(404, editOfOther!.Status);
        Assert.Equal(404, unknown!.Status);
        Assert.Equal(404, unknownPlugin!.Status);
    }

    [Fact]
    public async Task DryRunPage_SignedSampleThenWrongSignature_ShowsTheMappedSaleThenTheSignatureErrorAndRecordsNothing()
    {
        // Arrange: the owner's generic webhook connector, made through the API.
        var page = await _host.SignedInOwnerAsync(browser, "corner-cafe");
        using var api = _host.Operator();
        var created = await api.PostAsync("/api/connectors", new StringContent(
            $$$"""{"id": "cafe-till", "plugin": "generic-webhook", "merchantId": "corner-cafe", "settings": {"signingSecret": "{{{Secret}}}"}}""",
            System.Text.Encoding.UTF8,
            "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = Sale("s-dry");
        var signature = SevenStamp.Connectors.Sdk.WebhookSignatures.ComputeHmacSha256(System.Text.Encoding.UTF8.GetBytes(body), System.Text.Encoding.UTF8.GetBytes(Secret), SevenStamp.Connectors.Sdk.SignatureEncoding.Hex);

        // Act: from the connector's page to its test page; a signed sample, then one with a wrong signature.
        await page.GotoAsync("/console/connectors/cafe-till");
        await page.GetByRole(AriaRole.Link, new() { Name = "Test with a sample" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/cafe-till/test");
        await Browser.CheckAndSaveAsync(page, "connectors-test-empty");
        await page.GetByLabel("Body").FillAsync(body);
        await page.GetByLabel("Headers").FillAsync($"Content-Type: application/json\nX-SevenStamp-Signature: {signature}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test it" }).ClickAsync();
        await page.Locator("#mapped-customer").WaitForAsync();
        var headline = await page.Locator("#result-heading").InnerTextAsync();
        var customer = await page.Locator("#mapped-customer").InnerTextAsync();
        var total = await page.Locator("#mapped-total").InnerTextAsync();
        var items = await page.Locator(".mapped table").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-test-mapped");
        await page.GetByLabel("Headers").FillAsync("X-SevenStamp-Signature: 00" + signature[2..]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Test it" }).ClickAsync();
        await page.Locator("[id='headers-error']").WaitForAsync();
        var signatureError = await page.Locator("[id='headers-error']").InnerTextAsync();
        var wrongHeadline = await page.Locator("#result-heading").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "connectors-test-bad-signature");
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Assert: what the page showed, and that nothing was recorded: the same sale sent for real is the first.
        Assert.Contains("It works", headline, StringComparison.Ordinal);
        Assert.Equal("cust-1", customer);
        Assert.Equal("4.20 EUR", total);
        Assert.Contains("Espresso", items, StringComparison.Ordinal);
        Assert.Contains("signature verification failed", signatureError, StringComparison.Ordinal);
        Assert.Contains("does not match", wrongHeadline, StringComparison.Ordinal);
        Assert.Equal(0, await _host.Host.QueryConnectorStoreAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.SeenEvents)));
        var live = await _host.Host.PostWebhookAsync("cafe-till", body, Secret);
        Assert.Contains("\"outcome\":\"accepted\"", await live.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A sale in the generic webhook's event format.</summary>
    private static string Sale(string saleId) => SevenStamp.Testing.RunningHost.SaleJson("evt-" + saleId, saleId, "cust-1");
}
