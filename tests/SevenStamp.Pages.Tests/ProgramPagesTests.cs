using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>The program and its Redeem Code pool, set up in the console by a merchant who never saw the API.</summary>
public sealed class ProgramPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string ShopSecret = "pool-shop-secret-0123456789";

    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task CreateProgram_WrongCurrencyThenFixed_ShowsTheErrorByItsFieldThenSavesAndPreviewsTheCard()
    {
        // Arrange: a new owner on the console's home, who follows its first step.
        var page = await _host.SignedInOwnerAsync(browser, "corner-cafe");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create your program" }).ClickAsync();
        await page.WaitForURLAsync("**/console/program");

        // Enhanced navigation changes the address before it swaps the page in.
        await page.Locator("h1", new() { HasText = "Create your program" }).WaitForAsync();
        var heading = await page.Locator("h1").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "program-new");

        // Act: the card as the merchant types it (the preview follows), earning by amount, a currency that is no code.
        await page.GetByLabel("Name of the card").FillAsync("Corner coffee card");
        await page.GetByLabel("Stamps needed for a reward").FillAsync("8");
        await page.GetByLabel("The reward").FillAsync("A free coffee");
        var liveCells = await page.Locator(".stamp-grid li").CountAsync();
        var liveSentence = await page.Locator("[data-preview=sentence]").InnerTextAsync();
        await page.GetByLabel("A stamp for").SelectOptionAsync(new SelectOptionValue { Label = "Each amount spent" });
        var visitHidden = await page.GetByLabel("Stamps per visit").IsHiddenAsync();
        await page.GetByLabel("Amount spent per stamp").FillAsync("5.00");
        await page.GetByLabel("Currency (optional)").FillAsync("EU");
        await page.GetByLabel("Vouchers expire").SelectOptionAsync(new SelectOptionValue { Label = "After a number of days" });
        await page.GetByLabel("Days a voucher stays valid").FillAsync("90");
        await page.GetByLabel("Code prefix (optional)").FillAsync("CAFE-");
        await page.GetByLabel("Give the voucher back when its sale is refunded").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the program" }).ClickAsync();
        var currencyError = await page.Locator("#Currency-error").InnerTextAsync();
        var currencyInvalid = await page.GetByLabel("Currency (optional)").GetAttributeAsync("aria-invalid");
        var nothingSaved = await _host.Host.QueryAsync(db => db.Programs.AnyAsync(p => p.MerchantId == "corner-cafe"));
        await Browser.CheckAndSaveAsync(page, "program-error");
        await page.GetByLabel("Currency (optional)").FillAsync("EUR");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the program" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).WaitForAsync();
        await Browser.CheckAndSaveAsync(page, "program-saved");

        // Assert: what the merchant saw...
        Assert.Equal("Create your program", heading);
        Assert.Equal(8, liveCells);
        Assert.Equal("Collect 8 stamps: A free coffee", liveSentence);
        Assert.True(visitHidden);
        Assert.Contains("three-letter ISO 4217 code", currencyError, StringComparison.Ordinal);
        Assert.Equal("true", currencyInvalid);
        Assert.False(nothingSaved);
        Assert.Contains("Saved", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Your program", await page.Locator("h1").InnerTextAsync());
        Assert.Equal(8, await page.Locator(".stamp-grid li").CountAsync());
        Assert.Equal("Corner coffee card", await page.Locator("[data-preview=name]").InnerTextAsync());
        Assert.Equal("EUR", await page.GetByLabel("Currency (optional)").InputValueAsync());

        // ...and what the program became, as the API shows it, and the audit log's entry of the change.
        using var program = JsonDocument.Parse(await _host.Operator().GetStringAsync("/api/merchants/corner-cafe/program"));
        var saved = program.RootElement;
        Assert.Equal("Corner coffee card", saved.GetProperty("name").GetString());
        Assert.Equal(8, saved.GetProperty("stampGoal").GetInt32());
        Assert.Equal("PerAmount", saved.GetProperty("earningRule").GetString());
        Assert.Equal(5.00m, saved.GetProperty("amountPerStamp").GetDecimal());
        Assert.Equal("EUR", saved.GetProperty("currency").GetString());
        Assert.Equal("A free coffee", saved.GetProperty("reward").GetString());
        Assert.Equal("DaysAfterIssue", saved.GetProperty("voucherExpiry").GetString());
        Assert.Equal(90, saved.GetProperty("voucherValidDays").GetInt32());
        Assert.Equal("CAFE-", saved.GetProperty("codePrefix").GetString());
        Assert.True(saved.GetProperty("autoEnroll").GetBoolean());
        Assert.False(saved.GetProperty("reinstateVoucherOnRefund").GetBoolean());
        var audit = await AuditAsync("corner-cafe", "program.edited");
        var edit = Assert.Single(audit);
        Assert.Equal("corner-cafe-owner", edit.Actor);
        Assert.Equal("Corner coffee card", edit.Subject);
        Assert.Null(edit.Before);
        Assert.Contains("\"stampGoal\":8", edit.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeProgram_MilestonesAndReminders_ShowsAWrongRowByItsFieldThenSavesKeepingTheApisPaths()
    {
        // Arrange: a program made through the API with a self-redeem milestone at the 5th visit.
        var page = await _host.SignedInOwnerAsync(browser, "bakery", phone: true);
        using var op = _host.Operator();
        var put = await op.PutAsJsonAsync("/api/merchants/bakery/program", new
        {
            name = "Bread card",
            reward = "A free loaf",
            stampGoal = 8,
            milestones = new[] { new { visit = 5, reward = "A free pastry", validDays = 14, redemptionPath = "SelfRedeem" } },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        // Act: the owner adds a 25th-visit reward in the third row but forgets its reward, then fixes it, and sets the reminders.
        await page.GotoAsync("/console/program");
        var firstVisit = await page.Locator("#milestone-0-visit").InputValueAsync();
        var firstReward = await page.Locator("#milestone-0-reward").InputValueAsync();
        var rows = await page.Locator("[data-milestone-row]").CountAsync();
        await page.Locator("#milestone-2-visit").FillAsync("25");
        await page.Locator("#milestone-2-days").FillAsync("30");
        await page.GetByLabel("Remind customers before a voucher expires (optional)").FillAsync("3");
        await page.GetByLabel("Invite customers back after a quiet spell (optional)").FillAsync("45");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        var rewardError = await page.Locator("[id='Milestones[2].Reward-error']").InnerTextAsync();
        var unchanged = await _host.Host.QueryAsync(db => db.Programs.Where(p => p.MerchantId == "bakery").Select(p => p.ExpiryReminderDays).SingleAsync());
        await Browser.CheckAndSaveAsync(page, "program-milestones-error");
        await page.Locator("#milestone-2-reward").FillAsync("A bag of beans");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).WaitForAsync();
        await Browser.CheckAndSaveAsync(page, "program-milestones-saved");

        // Assert
        Assert.Equal(("5", "A free pastry", 3), (firstVisit, firstReward, rows));
        Assert.Contains("is required: the reward in one sentence", rewardError, StringComparison.Ordinal);
        Assert.Null(unchanged);
        var program = await _host.Host.QueryAsync(db => db.Programs.AsNoTracking().SingleAsync(p => p.MerchantId == "bakery"));
        Assert.Equal((3, 45), (program.ExpiryReminderDays, program.InactivityNudgeDays));
        Assert.Equal(
            [(5, "A free pastry", (int?)14, SevenStamp.Loyalty.Data.RedemptionPath.SelfRedeem), (25, "A bag of beans", 30, SevenStamp.Loyalty.Data.RedemptionPath.RedeemCode)],
            program.Milestones.Select(m => (m.Visit, m.Reward, m.ValidDays, m.RedemptionPath)));
    }

    [Fact]
    public async Task ChangeProgram_SavedProgram_IsPreFilledAndAChangeIsAuditedWithBeforeAndAfter()
    {
        // Arrange: a program made through the API.
        var page = await _host.SignedInOwnerAsync(browser, "tea-house", phone: true);
        using var op = _host.Operator();
        var put = await op.PutAsJsonAsync("/api/merchants/tea-house/program", new { name = "Tea card", reward = "A pot of tea", stampGoal = 6, earningRule = "PerItem", qualifyingItems = new[] { "Tea", "Infusion" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        // Act
        await page.GotoAsync("/console/program");
        var items = await page.GetByLabel("Products that earn a stamp").InputValueAsync();
        var cells = await page.Locator(".stamp-grid li").CountAsync();
        await Browser.CheckAndSaveAsync(page, "program-existing");
        await page.GetByLabel("Stamps needed for a reward").FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).WaitForAsync();

        // Assert
        Assert.Equal("Tea\nInfusion", items);
        Assert.Equal(6, cells);
        Assert.Equal(9, await _host.Host.QueryAsync(db => db.Programs.Where(p => p.MerchantId == "tea-house").Select(p => p.StampGoal).SingleAsync()));
        Assert.Equal(["Tea", "Infusion"], await _host.Host.QueryAsync(db => db.Programs.Where(p => p.MerchantId == "tea-house").Select(p => p.QualifyingItems).SingleAsync()));
        var edit = (await AuditAsync("tea-house", "program.edited")).Single(a => a.Actor == "tea-house-owner");
        Assert.Contains("\"stampGoal\":6", edit.Before, StringComparison.Ordinal);
        Assert.Contains("\"stampGoal\":9", edit.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportPool_CsvFileBadFileAndPastedList_ShowsWhatWasReadAndTheCounts()
    {
        // Arrange: a program that gives out the POS's codes, whose pool ran dry as a customer reached the goal.
        var page = await _host.SignedInOwnerAsync(browser, "pool-cafe");
        using var op = _host.Operator();
        var put = await op.PutAsJsonAsync("/api/merchants/pool-cafe/program", new { name = "Muffin card", reward = "A free muffin", stampGoal = 1, codeSource = "Pool" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await OweOneVoucherAsync(op, "pool-cafe");

        // Act: the pool page, a CSV export, a file with a code too long on line 3, then two pasted codes (one known).
        await page.GotoAsync("/console/pool");
        var before = (await CountAsync(page, "unassigned"), await CountAsync(page, "owed"));
        var owedWarning = await page.Locator(".alert.warn").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "pool-owed");
        await page.Locator("#CodeFile").SetInputFilesAsync(new FilePayload { Name = "codes.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("name;code\r\nSpring;SQ-1\r\nSummer;\"SQ-2\"\r\n") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import the file" }).ClickAsync();
        var fileResult = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var afterFile = (await CountAsync(page, "unassigned"), await CountAsync(page, "owed"));
        await Browser.CheckAndSaveAsync(page, "pool-imported");
        await page.Locator("#CodeFile").SetInputFilesAsync(new FilePayload { Name = "broken.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("code\nSQ-7\n" + new string('X', 70) + "\n") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import the file" }).ClickAsync();
        var badFile = await page.Locator("#CodeFile-error").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "pool-bad-file");
        await page.GetByLabel("Codes, one per line").FillAsync("SQ-2\nSQ-3\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import these codes" }).ClickAsync();
        var pasteResult = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var afterPaste = (await CountAsync(page, "unassigned"), await CountAsync(page, "owed"));

        // Assert: what the merchant read, and the pool and vouchers in the database.
        Assert.Equal((0, 1), before);
        Assert.Contains("A customer reached the goal while the pool was empty", owedWarning, StringComparison.Ordinal);
        Assert.Equal("Read 2 codes. All were new to the pool. 1 waiting voucher got its code.", fileResult);
        Assert.Equal((1, 0), afterFile);
        Assert.Contains("line 3", badFile, StringComparison.Ordinal);
        Assert.Equal("Read 2 codes. New to the pool: 1 (the others were there already).", pasteResult);
        Assert.Equal((2, 0), afterPaste);
        Assert.Equal(["SQ-1", "SQ-2", "SQ-3"], await _host.Host.QueryAsync(db => db.PoolCodes.Where(c => c.MerchantId == "pool-cafe").OrderBy(c => c.Code).Select(c => c.Code).ToListAsync()));
        Assert.Equal(1, await _host.Host.QueryAsync(db => db.Vouchers.CountAsync(v => v.MerchantId == "pool-cafe" && (v.Code == "SQ-1" || v.Code == "SQ-2"))));
        var imports = await AuditAsync("pool-cafe", "pool.imported");
        Assert.Equal(2, imports.Count(a => a.Actor == "pool-cafe-owner"));
        Assert.DoesNotContain(imports, a => (a.After ?? string.Empty).Contains("SQ-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PoolPage_ProgramMakesItsOwnCodes_SaysThePoolIsNotUsed()
    {
        // Arrange
        var page = await _host.SignedInOwnerAsync(browser, "own-codes", phone: true);
        using var op = _host.Operator();
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync("/api/merchants/own-codes/program", new { name = "Bagel card", reward = "A free bagel", stampGoal = 5 })).StatusCode);

        // Act
        await page.GotoAsync("/console/pool");
        await Browser.CheckAndSaveAsync(page, "pool-generated");

        // Assert
        Assert.Contains("makes its own voucher codes, so this pool is not used", await page.Locator(".alert.warn").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal((0, 0), (await CountAsync(page, "unassigned"), await CountAsync(page, "owed")));
    }

    [Fact]
    public async Task ProgramPage_Staff_IsSentToTheDeniedPage()
    {
        // Arrange: a staff person of a merchant, signed in.
        await _host.CreateMerchantAsync("staff-cafe", "Staff Café");
        using var op = _host.Operator();
        var invite = await op.PostAsJsonAsync("/api/merchants/staff-cafe/people/invites", new { role = "Staff" });
        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
        var token = (await invite.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.Created, (await op.PostAsJsonAsync("/api/account/invites/accept", new { token, userName = "sam", password = PagesHost.OwnerPassword })).StatusCode);
        var page = await browser.NewPageAsync(_host.BaseAddress);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("User name").FillAsync("sam");
        await page.GetByLabel("Password").FillAsync(PagesHost.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/scanner");

        // Act
        await page.GotoAsync("/console/program");
        var program = page.Url;
        await page.GotoAsync("/console/pool");

        // Assert
        Assert.Contains("/account/denied", program, StringComparison.Ordinal);
        Assert.Contains("/account/denied", page.Url, StringComparison.Ordinal);
        Assert.Equal("This page is not for your role", await page.Locator("h1").InnerTextAsync());
    }

    private static async Task<int> CountAsync(IPage page, string which) =>
        int.Parse(await page.Locator($"[data-count={which}]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A connector of the merchant, and a sale that completes a card's goal while the pool is empty.</summary>
    private async Task OweOneVoucherAsync(HttpClient op, string merchantId)
    {
        var created = await op.PostAsJsonAsync($"/api/merchants/{merchantId}/connectors", new { id = "pool-shop", plugin = "generic-webhook", settings = new { signingSecret = ShopSecret } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await Eventually.AssertAsync(
            async () => (await _host.Host.PostWebhookAsync("pool-shop", RunningHost.SaleJson("evt-pool-1", "S-POOL-1", "C-POOL-1"), ShopSecret)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20),
            "the connector to take the sale");
        await Eventually.AssertAsync(
            () => _host.Host.QueryAsync(db => db.Cards.AnyAsync(c => c.MerchantId == merchantId && c.CyclesCompleted == 1)),
            TimeSpan.FromSeconds(20),
            "the card to reach its goal");
    }

    private async Task<List<AuditEntry>> AuditAsync(string merchantId, string kind)
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        return await db.AuditEntries.AsNoTracking().Where(a => a.MerchantId == merchantId && a.Kind == kind).OrderBy(a => a.Id).ToListAsync();
    }
}
