using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// A customer of a Hebrew-speaking café joins on a Hebrew phone and adds the card to their wallets from the card page,
/// over real HTTP from a host with Apple passes and Google Wallet on. The downloaded pass carries the Hebrew texts
/// (<c>he.lproj/pass.strings</c>, as the translators wrote them in <c>PassText.he.resx</c>) and the Google object
/// their Hebrew twins, while the reward stays the merchant's own sentence. Wallet picks the phone's language itself,
/// so the host sends every language in each pass; this checks that Hebrew is among them as it reaches the customer.
/// </summary>
public sealed partial class HebrewPassTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string MerchantId = "kikar-cafe";
    private const string Reward = "A free flat white";
    private const int Goal = 5;
    private const string IssuerId = "3388000000019191919";

    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private FakeApns _apns = null!;
    private FakeGoogleWalletServer _google = null!;
    private TestServiceAccount _account = null!;
    private RunningHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        _google = await FakeGoogleWalletServer.StartAsync();
        _account = TestServiceAccount.Create(_google.TokenUrl);
        _google.AccountKey = _account.Key;
        var settings = _kit.Settings(_apns.Url);
        settings["SevenStamp:Bus:Transport"] = "InMemory";
        settings["SevenStamp:Api:AdminKey"] = PagesHost.AdminKey;
        settings["SevenStamp:Vouchers:LinkSecret"] = "hebrew-pass-link-secret-0123456789abcdef";
        settings["SevenStamp:Wallet:Google:IssuerId"] = IssuerId;
        settings["SevenStamp:Wallet:Google:ServiceAccountKeyFile"] = _account.KeyFile;
        settings["SevenStamp:Wallet:Google:ApiBaseUrl"] = _google.ApiBaseUrl.ToString();
        settings["SevenStamp:Wallet:Google:IssuerName"] = "Kikar Café";
        settings["SevenStamp:Wallet:Google:LogoUrl"] = "https://cafe.example/logo.png";
        _host = await RunningHost.StartAsync("""{ "connectors": [] }""", settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _google.DisposeAsync();
        await _apns.DisposeAsync();
        _account.Dispose();
        _kit.Dispose();
    }

    [Fact]
    public async Task AddToAppleWallet_HebrewPhoneAtAHebrewCafe_PassCarriesTheHebrewStringsAndTheMerchantsReward()
    {
        // Arrange: a café whose default language is Hebrew, and a customer whose phone speaks Hebrew joining it.
        await HebrewCafeAsync();
        var phone = await browser.NewPageAsync(_host.Client.BaseAddress!, phone: true, locale: "he-IL");
        await phone.GotoAsync($"/join/{MerchantId}");
        await phone.Locator("button.get-card").TapAsync();
        await phone.WaitForURLAsync(CardPageRegex());
        string? acceptLanguage = null;
        phone.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/apple.pkpass", StringComparison.Ordinal))
            {
                acceptLanguage = request.Headers.GetValueOrDefault("accept-language");
            }
        };

        // Act: the card page's Add to Apple Wallet button, as the phone taps it.
        var pageLanguage = await phone.EvaluateAsync<string>("document.documentElement.lang");
        var download = await phone.RunAndWaitForDownloadAsync(() => phone.Locator("a.wallet.apple").TapAsync());
        var files = AppleTestKit.Unzip(await File.ReadAllBytesAsync((await download.PathAsync())!));
        var he = Resx("host/SevenStamp.Wallet/PassText.he.resx");

        // Assert: a Hebrew phone on the Hebrew page asked for it.
        Assert.Equal("he", pageLanguage);
        Assert.StartsWith("he", acceptLanguage, StringComparison.Ordinal);

        // Assert: he.lproj/pass.strings, UTF-16 with its byte order mark, holds the translators' Hebrew.
        Assert.True(files.ContainsKey("he.lproj/pass.strings"), "No he.lproj/pass.strings in: " + string.Join(", ", files.Keys));
        var bytes = files["he.lproj/pass.strings"];
        Assert.Equal([0xFF, 0xFE], bytes[..2]);
        var hebrew = PassStrings(Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2));
        Assert.Equal(he["Stamps"], hebrew["Stamps"]);
        Assert.Equal(he["Reward"], hebrew["Reward"]);
        Assert.Equal(
            string.Format(System.Globalization.CultureInfo.GetCultureInfo("he"), he["Collect {0} stamps for: {1}. Show the code at the till to redeem your voucher."], Goal, Reward),
            hebrew[$"Collect {Goal} stamps for: {Reward}. Show the code at the till to redeem your voucher."]);

        // Assert: pass.json is in English (the key Wallet looks up) and the reward is the merchant's own sentence.
        using var pass = JsonDocument.Parse(files["pass.json"]);
        var fields = pass.RootElement.GetProperty("storeCard");
        Assert.Equal("Stamps", fields.GetProperty("primaryFields")[0].GetProperty("label").GetString());
        var reward = fields.GetProperty("secondaryFields").EnumerateArray().Single(f => f.GetProperty("key").GetString() == "reward");
        Assert.Equal(("Reward", Reward), (reward.GetProperty("label").GetString(), reward.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task AddToGoogleWallet_HebrewPhoneAtAHebrewCafe_ObjectCarriesTheHebrewTextsAndTheMerchantsReward()
    {
        // Arrange: the same café and a Hebrew phone's card page.
        await HebrewCafeAsync();
        var phone = await browser.NewPageAsync(_host.Client.BaseAddress!, phone: true, locale: "he-IL");
        await phone.GotoAsync($"/join/{MerchantId}");
        await phone.Locator("button.get-card").TapAsync();
        await phone.WaitForURLAsync(CardPageRegex());
        var cardId = Guid.ParseExact(CardPageRegex().Match(phone.Url).Groups[1].Value, "N");
        var link = await phone.Locator("a.wallet.google").GetAttributeAsync("href");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Client.BaseAddress };
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("he-IL,he;q=0.9");

        // Act: the Add to Google Wallet link, followed as far as Google.
        using var save = await client.GetAsync(link);
        var stored = _google.Find("loyaltyObject", GoogleLoyaltyPass.ObjectId(IssuerId, cardId));
        var he = Resx("host/SevenStamp.Wallet/PassText.he.resx");

        // Assert: off to Google with the card, whose object holds the Hebrew beside the English.
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
        Assert.StartsWith(GoogleSaveLinks.SaveUrlPrefix, save.Headers.Location?.AbsoluteUri, StringComparison.Ordinal);
        Assert.NotNull(stored);
        Assert.Equal(he["Stamps"], HebrewOf(stored["loyaltyPoints"]!["localizedLabel"]!));
        var rewardModule = stored["textModulesData"]!.AsArray().Single(m => (string?)m!["id"] == "reward")!;
        Assert.Equal(he["Reward"], HebrewOf(rewardModule["localizedHeader"]!));
        Assert.Equal(string.Format(System.Globalization.CultureInfo.GetCultureInfo("he"), he["{0} for {1} stamps"], Reward, Goal), HebrewOf(rewardModule["localizedBody"]!));
        Assert.Contains(Reward, HebrewOf(rewardModule["localizedBody"]!), StringComparison.Ordinal);
    }

    /// <summary>The café, made by the operator with Hebrew as its default language, and its program.</summary>
    private async Task HebrewCafeAsync()
    {
        using var op = new HttpClient { BaseAddress = _host.Client.BaseAddress };
        op.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PagesHost.AdminKey);
        var created = await op.PostAsJsonAsync("/api/merchants", new { id = MerchantId, name = "Kikar Café", language = "he" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var program = await op.PutAsJsonAsync($"/api/merchants/{MerchantId}/program", new { name = "Coffee card", reward = Reward, stampGoal = Goal });
        Assert.True(program.IsSuccessStatusCode, await program.Content.ReadAsStringAsync());
    }

    /// <summary>The translations of a resource file in the repository, English text to translation.</summary>
    private static Dictionary<string, string> Resx(string path) =>
        XDocument.Load(Path.Combine(RepositoryRoot.Path, path)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!, StringComparer.Ordinal);

    /// <summary>An Apple pass.strings file's lines (<c>"English" = "translation";</c>), key to value.</summary>
    private static Dictionary<string, string> PassStrings(string text) =>
        PassStringLine().Matches(text).ToDictionary(m => Unescape(m.Groups[1].Value), m => Unescape(m.Groups[2].Value), StringComparer.Ordinal);

    private static string Unescape(string value) => value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    /// <summary>The Hebrew value of a walletobjects LocalizedString.</summary>
    private static string? HebrewOf(JsonNode localized) =>
        (string?)localized["translatedValues"]!.AsArray().SingleOrDefault(t => (string?)t!["language"] == "he")?["value"];

    [GeneratedRegex("/wallet/cards/([0-9a-f]{32})/[A-Za-z0-9_-]+$")]
    private static partial Regex CardPageRegex();

    [GeneratedRegex("^\"((?:[^\"\\\\]|\\\\.)*)\" = \"((?:[^\"\\\\]|\\\\.)*)\";$", RegexOptions.Multiline)]
    private static partial Regex PassStringLine();
}
