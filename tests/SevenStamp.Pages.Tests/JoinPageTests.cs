using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Testing;
using SevenStamp.Wallet.Data;
using UglyToad.PdfPig;
using ZXing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// A customer joins from the merchant's poster on their phone: the join page, one tap, their card page; optional
/// e-mail, phone and birthday kept only with consent and never in clear; bad input, an unknown shop and a flood each
/// answered kindly. And the merchant's side: the poster page and its PNG, SVG and PDF, each leading to the join page.
/// </summary>
public sealed partial class JoinPageTests(Browser browser) : IClassFixture<Browser>
{
    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_PhoneTapsGetMyCard_LandsOnTheCardPageWithinFifteenSecondsAndTheCardExists(LoyaltyStoreProvider provider)
    {
        // Arrange: a merchant with its program, as the operator and the owner set it up.
        await using var host = await PagesHost.StartAsync(provider);
        await MerchantWithProgramAsync(host, "bean-bar", "Bean Bar", goal: 8, reward: "A free flat white");
        var look = await browser.NewPageAsync(host.BaseAddress, phone: true);
        await look.GotoAsync("/join/bean-bar");
        var shop = await look.Locator(".shop").InnerTextAsync();
        var heading = await look.Locator("h1").InnerTextAsync();
        var offer = await look.Locator(".offer").InnerTextAsync();
        await Browser.CheckAndSaveAsync(look, "join");
        var phone = await browser.NewPageAsync(host.BaseAddress, phone: true);

        // Act: the customer's whole join, from opening the poster's link to their card page.
        var clock = Stopwatch.StartNew();
        await phone.GotoAsync("/join/bean-bar");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync();
        await phone.WaitForURLAsync(CardPage());
        clock.Stop();

        // Assert: what the page said, the time, and the card behind the link.
        Assert.Equal("Bean Bar", shop);
        Assert.Equal("Stamp card", heading);
        Assert.Equal("Collect 8 stamps: A free flat white", offer);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"Joining took {clock.Elapsed.TotalSeconds:0.0} s.");
        var cardId = CardIdOf(phone.Url);
        using var api = host.Operator();
        var card = await api.GetAsync($"/api/merchants/bean-bar/cards/{cardId}");
        Assert.Equal(HttpStatusCode.OK, card.StatusCode);
        using var body = JsonDocument.Parse(await card.Content.ReadAsStringAsync());
        Assert.Equal((0, 8), (body.RootElement.GetProperty("progress").GetInt32(), body.RootElement.GetProperty("goal").GetInt32()));
        Assert.Equal(new Uri(phone.Url).AbsolutePath, body.RootElement.GetProperty("walletLink").GetString());
        Assert.Equal(0, await host.Host.QueryAsync(db => db.CardConsents.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Join_WithEmailPhoneBirthdayAndConsent_CardIsFoundByTheEmailAndNoContactIsStoredInClear(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await PagesHost.StartAsync(provider);
        await MerchantWithProgramAsync(host, "tea-room", "The Tea Room", goal: 6, reward: "A pot of tea");
        var phone = await browser.NewPageAsync(host.BaseAddress, phone: true);
        await phone.GotoAsync("/join/tea-room");

        // Act: the optional details, then the tap.
        await phone.GetByText("Add your e-mail, phone or birthday (optional)").TapAsync();
        await phone.GetByLabel("E-mail address", new() { Exact = true }).FillAsync("Ana.Lima@Example.com");
        await phone.GetByLabel("Phone number", new() { Exact = true }).FillAsync("+44 20 7946 0958");
        await phone.GetByLabel("Day", new() { Exact = true }).SelectOptionAsync("24");
        await phone.GetByLabel("Month", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "December" });
        await phone.Locator("#consent").CheckAsync();
        await Browser.CheckAndSaveAsync(phone, "join-details");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync();
        await phone.WaitForURLAsync(CardPage());
        var cardId = CardIdOf(phone.Url);
        using var api = host.Operator();
        var byEmail = await api.GetFromJsonAsync<List<Match>>("/api/merchants/tea-room/cards/search?q=" + Uri.EscapeDataString("ana.lima@example.com"));
        var byPhone = await api.GetFromJsonAsync<List<Match>>("/api/merchants/tea-room/cards/search?q=" + Uri.EscapeDataString("0044 20 79460958"));

        // Assert: found by the hashes a connector's sale would carry.
        Assert.Equal(cardId, Assert.Single(byEmail!).CardId);
        Assert.Contains("email", byEmail![0].MatchedBy);
        Assert.Equal(cardId, Assert.Single(byPhone!).CardId);

        // Assert: the consent and the birthday, recorded with the card.
        var consent = await host.Host.QueryAsync(db => db.CardConsents.SingleAsync(c => c.CardId == cardId));
        Assert.Equal((true, true, true), (consent.EmailGiven, consent.PhoneGiven, consent.BirthdayGiven));
        Assert.Equal((CardJoining.ConsentVersion, CardJoining.ConsentText), (consent.ConsentVersion, consent.ConsentText));
        var birthday = await host.Host.QueryAsync(db => db.Customers.Where(c => db.Cards.Any(k => k.Id == cardId && k.CustomerId == c.Id)).Select(c => new { c.BirthMonth, c.BirthDay }).SingleAsync());
        Assert.Equal((12, 24), (birthday.BirthMonth, birthday.BirthDay));

        // Assert: neither the address nor the number is anywhere in the database, in any table.
        var everything = await EveryRowAsync(host);
        Assert.Contains(cardId.ToString(), everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ana.lima", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("example.com", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("79460958", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("7946 0958", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_EmailTheServiceRefuses_ShowsTheFieldErrorAndCreatesNothing()
    {
        // Arrange: an address the browser lets through (it has an @) and the service does not (no domain).
        await using var host = await PagesHost.StartAsync();
        await MerchantWithProgramAsync(host, "soup-pot", "Soup Pot", goal: 5, reward: "A bowl of soup");
        var phone = await browser.NewPageAsync(host.BaseAddress, phone: true);
        await phone.GotoAsync("/join/soup-pot");
        await phone.GetByText("Add your e-mail, phone or birthday (optional)").TapAsync();
        await phone.GetByLabel("E-mail address", new() { Exact = true }).FillAsync("ana@localhost");
        await phone.GetByLabel("Month", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "February" });
        await phone.Locator("#consent").CheckAsync();

        // Act
        var response = await phone.RunAndWaitForResponseAsync(() => phone.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync(), r => r.Request.Method == "POST");
        await phone.Locator("#email-error").WaitForAsync();

        // Assert
        Assert.Equal((int)HttpStatusCode.OK, response.Status);
        Assert.EndsWith("/join/soup-pot", phone.Url, StringComparison.Ordinal);
        Assert.Contains("is not an e-mail address", await phone.Locator("#email-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("is missing", await phone.Locator("#birthdayDay-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await phone.Locator("#email").GetAttributeAsync("aria-invalid"));
        Assert.True(await phone.Locator("details.optional").EvaluateAsync<bool>("d => d.open"));
        Assert.Equal("ana@localhost", await phone.Locator("#email").InputValueAsync());
        Assert.Equal(0, await host.Host.QueryAsync(db => db.Cards.CountAsync(c => c.MerchantId == "soup-pot")));
        Assert.Equal(0, await host.Host.QueryAsync(db => db.CustomerLinks.CountAsync(l => l.MerchantId == "soup-pot")));
        await Browser.CheckAndSaveAsync(phone, "join-error");
    }

    [Fact]
    public async Task Join_UnknownMerchantOrNoProgram_AnswersAFriendlyNotFoundPage()
    {
        // Arrange: one shop nobody created, one created without a program yet.
        await using var host = await PagesHost.StartAsync();
        await host.CreateMerchantAsync("empty-shop", "Empty Shop");
        var phone = await browser.NewPageAsync(host.BaseAddress, phone: true);

        // Act
        var unknown = await phone.GotoAsync("/join/no-such-shop");
        var unknownText = await phone.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(phone, "join-unknown");
        var noProgram = await phone.GotoAsync("/join/empty-shop");
        var noProgramHeading = await phone.Locator("h1").InnerTextAsync();

        // Assert
        Assert.Equal((int)HttpStatusCode.NotFound, unknown!.Status);
        Assert.Contains("There is no stamp card here", unknownText, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", unknownText, StringComparison.Ordinal);
        Assert.Equal((int)HttpStatusCode.NotFound, noProgram!.Status);
        Assert.Equal("There is no stamp card here", noProgramHeading);
    }

    [Fact]
    public async Task Join_PastTheClientsLimit_AnswersAPageThatSaysToWaitAndTheApiA429WithRetryAfter()
    {
        // Arrange: a host that lets one address make two cards an hour.
        await using var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = PagesHost.AdminKey,
                ["SevenStamp:Vouchers:LinkSecret"] = "join-limit-link-secret-0123456789abcdef",
                ["SevenStamp:RateLimits:JoinPerClient:PermitLimit"] = "2",
                ["SevenStamp:RateLimits:JoinPerClient:Window"] = "01:00:00",
            });
        var phone = await browser.NewPageAsync(host.Client.BaseAddress!, phone: true);
        for (var i = 0; i < 2; i++)
        {
            await phone.GotoAsync("/join/cafe-1");
            await phone.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync();
            await phone.WaitForURLAsync(CardPage());
        }

        // Act: a third card from the same address, by the page and by the API.
        await phone.GotoAsync("/join/cafe-1");
        var refused = await phone.RunAndWaitForResponseAsync(() => phone.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync(), r => r.Request.Method == "POST");
        await phone.Locator("h1", new() { HasText = "Please wait a moment" }).WaitForAsync();
        var text = await phone.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(phone, "join-too-many");
        var api = await host.Client.PostAsJsonAsync("/api/join/cafe-1", new { });

        // Assert
        Assert.Equal((int)HttpStatusCode.TooManyRequests, refused.Status);
        Assert.True(int.TryParse(await refused.HeaderValueAsync("retry-after"), out var seconds) && seconds is > 0 and <= 3600, $"Retry-After: {await refused.HeaderValueAsync("retry-after")}");
        Assert.Contains("Please try again in", text, StringComparison.Ordinal);
        Assert.Equal("/join/cafe-1", await phone.GetByRole(AriaRole.Link, new() { Name = "Try again" }).GetAttributeAsync("href"));
        Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
        Assert.NotNull(api.Headers.RetryAfter?.Delta);
        Assert.Equal(2, await host.QueryAsync(db => db.Cards.CountAsync(c => c.MerchantId == "cafe-1")));
    }

    [Fact]
    public async Task PosterPage_Owner_ShowsTheJoinQrAndItsPngSvgAndPdfLeadToTheJoinPage()
    {
        // Arrange: the owner, their program, and the program page's link to the poster.
        await using var host = await PagesHost.StartAsync();
        var page = await host.SignedInOwnerAsync(browser, "poster-cafe");
        await ProgramAsync(host, "poster-cafe", goal: 10, reward: "A free coffee");
        await page.GotoAsync("/console/program");
        await page.GetByRole(AriaRole.Link, new() { Name = "Print the join poster" }).ClickAsync();
        await page.WaitForURLAsync("**/console/program/poster");
        var joinUrl = new Uri(host.BaseAddress, "/join/poster-cafe").ToString();

        // Act
        var shownUrl = await page.Locator("#join-url").InnerTextAsync();
        var shownQr = CodeReader.Read(await page.Locator(".poster-qr").ScreenshotAsync(), BarcodeFormat.QR_CODE);
        await Browser.CheckAndSaveAsync(page, "console-poster");
        var png = await page.APIRequest.GetAsync("/console/program/poster.png");
        var svg = await page.APIRequest.GetAsync("/console/program/poster.svg");
        var pdf = await page.APIRequest.GetAsync("/console/program/poster.pdf");

        // Assert: the page.
        Assert.Equal(joinUrl, shownUrl);
        Assert.Equal(joinUrl, shownQr);
        Assert.Equal("Collect 10 stamps: A free coffee", await page.Locator(".poster-reward").InnerTextAsync());

        // Assert: the PNG reads back as the join URL.
        Assert.Equal((200, "image/png"), (png.Status, png.Headers["content-type"]));
        Assert.Contains("attachment", png.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal(joinUrl, CodeReader.Read(await png.BodyAsync(), BarcodeFormat.QR_CODE));

        // Assert: the SVG is a standalone SVG image.
        Assert.Equal((200, "image/svg+xml"), (svg.Status, svg.Headers["content-type"]));
        var svgText = await svg.TextAsync();
        Assert.StartsWith("<svg", svgText.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("xmlns=\"http://www.w3.org/2000/svg\"", svgText, StringComparison.Ordinal);

        // Assert: the PDF is one A4 page with the words, the URL in text, and a QR image that reads back as the URL.
        Assert.Equal((200, "application/pdf"), (pdf.Status, pdf.Headers["content-type"]));
        var pdfBytes = await pdf.BodyAsync();
        await File.WriteAllBytesAsync(Path.Combine(Browser.ScreenshotFolder, "console-poster.pdf"), pdfBytes);
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdfBytes, 0, 4));
        using var document = PdfDocument.Open(pdfBytes);
        var poster = Assert.Single(document.GetPages());
        Assert.Equal((595, 842), ((int)Math.Round(poster.Width), (int)Math.Round(poster.Height)));
        var words = Regex.Replace(poster.Text, @"\s+", string.Empty);
        Assert.Contains(joinUrl, words, StringComparison.Ordinal);
        Assert.Contains("Collect10stamps:Afreecoffee", words, StringComparison.Ordinal);
        Assert.Contains("POSTER-CAFE", words, StringComparison.Ordinal);
        var image = Assert.Single(poster.GetImages());
        Assert.True(image.TryGetPng(out var embedded), "The poster's QR image could not be read as PNG.");
        Assert.Equal(joinUrl, CodeReader.Read(embedded, BarcodeFormat.QR_CODE));
    }

    [Fact]
    public async Task PosterDownloads_AnotherMerchantsOwnerOrNoSession_NeverGetThisMerchantsPoster()
    {
        // Arrange: two merchants, each with an owner and a program.
        await using var host = await PagesHost.StartAsync();
        await host.SignedInOwnerAsync(browser, "first-cafe");
        await ProgramAsync(host, "first-cafe", goal: 5, reward: "A cake");
        var other = await host.SignedInOwnerAsync(browser, "second-cafe");
        await ProgramAsync(host, "second-cafe", goal: 7, reward: "A tea");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        // Act
        var othersPng = await other.APIRequest.GetAsync("/console/program/poster.png");
        var othersPdf = await other.APIRequest.GetAsync("/console/program/poster.pdf");
        var noSession = await anonymous.GetAsync("/console/program/poster.pdf");

        // Assert: the other owner gets their own poster only; nobody without a session gets any.
        Assert.Equal(new Uri(host.BaseAddress, "/join/second-cafe").ToString(), CodeReader.Read(await othersPng.BodyAsync(), BarcodeFormat.QR_CODE));
        using var document = PdfDocument.Open(await othersPdf.BodyAsync());
        var words = Regex.Replace(document.GetPage(1).Text, @"\s+", string.Empty);
        Assert.Contains("/join/second-cafe", words, StringComparison.Ordinal);
        Assert.DoesNotContain("first-cafe", words, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Redirect, noSession.StatusCode);
        Assert.StartsWith("/account/sign-in?", noSession.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private static Regex CardPage() => CardPageRegex();

    private static Guid CardIdOf(string url) => Guid.ParseExact(CardPageRegex().Match(url).Groups[1].Value, "N");

    private static async Task MerchantWithProgramAsync(PagesHost host, string merchantId, string name, int goal, string reward)
    {
        await host.CreateMerchantAsync(merchantId, name);
        await ProgramAsync(host, merchantId, goal, reward);
    }

    private static async Task ProgramAsync(PagesHost host, string merchantId, int goal, string reward)
    {
        using var api = host.Operator();
        var program = await api.PutAsJsonAsync($"/api/merchants/{merchantId}/program", new { name = "Stamp card", reward, stampGoal = goal });
        Assert.True(program.StatusCode == HttpStatusCode.OK, $"Program: {(int)program.StatusCode} {await program.Content.ReadAsStringAsync()}");
    }

    /// <summary>Every row of every table the host keeps, as JSON text, to search for what must not be stored.</summary>
    private static async Task<string> EveryRowAsync(PagesHost host)
    {
        await using var scope = host.Host.Services.CreateAsyncScope();
        var text = new System.Text.StringBuilder();
        foreach (var db in new DbContext[]
        {
            scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>(),
            scope.ServiceProvider.GetRequiredService<ConnectorDbContext>(),
            scope.ServiceProvider.GetRequiredService<WalletDbContext>(),
            scope.ServiceProvider.GetRequiredService<AccountsDbContext>(),
        })
        {
            foreach (var entity in db.Model.GetEntityTypes().Where(t => !t.IsOwned()))
            {
                var rows = await ((IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entity.ClrType).Invoke(db, null)!)
                    .AsNoTracking().ToListAsync();
                foreach (var row in rows)
                {
                    text.AppendLine(JsonSerializer.Serialize(row, entity.ClrType));
                }
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("/wallet/cards/([0-9a-f]{32})/[A-Za-z0-9_-]+$")]
    private static partial Regex CardPageRegex();

    private sealed record Match(Guid CardId, List<string> MatchedBy);
}
