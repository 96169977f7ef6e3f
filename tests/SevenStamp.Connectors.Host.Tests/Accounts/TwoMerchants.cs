using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>
/// A real host with two merchants set up as an operator would through the API: each with a program, a webhook
/// connector, an owner, a manager and a staff account (invited and accepted), an API key with every scope and a staff
/// token; merchant B also has a card with a voucher. The clients sign in as each of them.
/// </summary>
public sealed class TwoMerchants : IAsyncDisposable
{
    public const string AdminKey = "accounts-admin-key-0123456789abcdefghij";
    public const string Password = "Counter-Pass-2026";
    public const string A = "merchant-a";
    public const string B = "merchant-b";
    private const string Secret = "accounts-shop-secret-0123456789";

    private readonly List<HttpClient> _clients = [];

    private TwoMerchants(RunningHost host) => Host = host;

    public RunningHost Host { get; }

    /// <summary>The operator: the admin key.</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>Merchant A's people and keys, by role: owner, manager, staff (signed-in sessions), key, staff-token.</summary>
    public Dictionary<string, HttpClient> OfA { get; } = new(StringComparer.Ordinal);

    /// <summary>Merchant B's owner, signed in.</summary>
    public HttpClient OwnerOfB { get; private set; } = null!;

    /// <summary>B's resources, by route parameter name (cardId, voucherId, keyId, userId, staffId, id), and B's voucher code.</summary>
    public Dictionary<string, string> OfB { get; } = new(StringComparer.Ordinal);

    public string CodeOfB { get; private set; } = null!;

    public string CardOfA { get; private set; } = null!;

    public static async Task<TwoMerchants> StartAsync(LoyaltyStoreProvider provider, IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Api:AdminKey"] = AdminKey,

            // Every person here signs in from this one test address; the limits have their own tests.
            ["SevenStamp:RateLimits:SignIn:PermitLimit"] = "1000",
            ["SevenStamp:RateLimits:PasswordReset:PermitLimit"] = "1000",
            ["SevenStamp:Vouchers:LinkSecret"] = "accounts-link-secret-0123456789abcdefgh",
            ["SevenStamp:Connectors:SecretsKey"] = "YWNjb3VudHMtc2VjcmV0cy1rZXktMDEyMzQ1Njc4OSE=",
            ["SevenStamp:Programs:1:MerchantId"] = A,
            ["SevenStamp:Programs:1:Name"] = "A card",
            ["SevenStamp:Programs:1:Reward"] = "A free tea",
            ["SevenStamp:Programs:1:StampGoal"] = "1",
            ["SevenStamp:Programs:2:MerchantId"] = B,
            ["SevenStamp:Programs:2:Name"] = "B card",
            ["SevenStamp:Programs:2:Reward"] = "A free cake",
            ["SevenStamp:Programs:2:StampGoal"] = "1",
            ["SevenStamp:Programs:2:CodePrefix"] = "BB-",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await RunningHost.StartAsync(
            $$"""
            { "connectors": [
                { "id": "a-shop", "plugin": "generic-webhook", "merchantId": "{{A}}", "settings": { "signingSecret": "{{Secret}}" } },
                { "id": "b-shop", "plugin": "generic-webhook", "merchantId": "{{B}}", "settings": { "signingSecret": "{{Secret}}" } }
            ] }
            """,
            settings,
            provider,
            services: services);
        var merchants = new TwoMerchants(host);
        try
        {
            await merchants.SetUpAsync();
        }
        catch
        {
            await merchants.DisposeAsync();
            throw;
        }

        return merchants;
    }

    /// <summary>A client with no credentials, or with a bearer token.</summary>
    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Host.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>A client with its own cookie jar, signed in as <paramref name="userName"/>.</summary>
    public async Task<HttpClient> SignInAsync(string userName, string password = Password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = Host.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        var response = await client.PostAsJsonAsync("/api/account/sign-in", new { userName, password });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Sign-in of {userName}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    /// <summary>Invites a person through <paramref name="inviter"/> and accepts the invite as <paramref name="userName"/>.</summary>
    public async Task InviteAndAcceptAsync(HttpClient inviter, string merchantId, string role, string userName)
    {
        var invited = await inviter.PostAsJsonAsync($"/api/merchants/{merchantId}/people/invites", new { role });
        Assert.True(invited.StatusCode == HttpStatusCode.Created, $"Invite: {(int)invited.StatusCode} {await invited.Content.ReadAsStringAsync()}");
        await AcceptAsync(await TokenOfAsync(invited, "token"), userName);
    }

    public async Task AcceptAsync(string token, string userName)
    {
        var accepted = await Client().PostAsJsonAsync("/api/account/invites/accept", new { token, userName, password = Password });
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, $"Accept: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
    }

    public static async Task<string> TokenOfAsync(HttpResponseMessage response, params string[] path)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var element = body.RootElement;
        foreach (var name in path)
        {
            element = element.GetProperty(name);
        }

        return element.GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Host.DisposeAsync();
    }

    private async Task SetUpAsync()
    {
        Operator = Client(AdminKey);
        foreach (var merchant in new[] { A, B })
        {
            var created = await Operator.PostAsJsonAsync("/api/merchants", new { id = merchant, name = merchant.ToUpperInvariant() });
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"Create {merchant}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            await AcceptAsync(await TokenOfAsync(created, "ownerInvite", "token"), $"{merchant}-owner");
        }

        var ownerA = await SignInAsync($"{A}-owner");
        OwnerOfB = await SignInAsync($"{B}-owner");
        foreach (var (merchant, owner) in new[] { (A, ownerA), (B, OwnerOfB) })
        {
            await InviteAndAcceptAsync(owner, merchant, "Manager", $"{merchant}-manager");
            await InviteAndAcceptAsync(owner, merchant, "Staff", $"{merchant}-staff");
        }

        OfA["owner"] = ownerA;
        OfA["manager"] = await SignInAsync($"{A}-manager");
        OfA["staff"] = await SignInAsync($"{A}-staff");
        OfA["key"] = Client(await CreateKeyAsync(ownerA, A));
        OfA["staff-token"] = Client(await StaffTokenAsync(ownerA, A, "a-till"));

        var keyOfB = await OwnerOfB.PostAsJsonAsync($"/api/merchants/{B}/keys", new { name = "b key", scopes = new[] { "read", "write", "redeem" } });
        OfB["keyId"] = await TokenOfAsync(keyOfB, "details", "id");
        await StaffTokenAsync(OwnerOfB, B, "b-till");
        OfB["staffId"] = "b-till";
        using (var people = JsonDocument.Parse(await OwnerOfB.GetStringAsync($"/api/merchants/{B}/people")))
        {
            OfB["userId"] = people.RootElement.EnumerateArray().First(p => p.GetProperty("role").GetString() == "Staff").GetProperty("id").GetString()!;
        }

        // B's webhook subscription, to an address that needs no name lookup, for an event no test here causes.
        var hookOfB = await OwnerOfB.PostAsJsonAsync($"/api/merchants/{B}/webhooks", new { url = "https://93.184.216.34/hooks/b", events = new[] { "card_saved" } });
        Assert.True(hookOfB.StatusCode == HttpStatusCode.Created, $"B's webhook: {(int)hookOfB.StatusCode} {await hookOfB.Content.ReadAsStringAsync()}");
        OfB["subscriptionId"] = await TokenOfAsync(hookOfB, "subscription", "id");

        // A campaign of B's scheduled a month ahead: it stays scheduled while the tests try to cancel or read it as A.
        var campaignOfB = await OwnerOfB.PostAsJsonAsync($"/api/merchants/{B}/campaigns", new { name = "B's thank-you", reward = "A free muffin", segment = "AllCards", startAt = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.True(campaignOfB.StatusCode == HttpStatusCode.Created, $"B's campaign: {(int)campaignOfB.StatusCode} {await campaignOfB.Content.ReadAsStringAsync()}");
        using (var campaign = JsonDocument.Parse(await campaignOfB.Content.ReadAsStringAsync()))
        {
            OfB["campaignId"] = campaign.RootElement.GetProperty("id").GetString()!;
        }

        OfB["id"] = "b-shop";
        OfB["pluginId"] = "generic-webhook";
        OfB["merchantId"] = B;
        var (cardOfB, voucherOfB, code) = await VoucherAsync(OwnerOfB, B, "b-shop", "B-CARD-1");
        OfB["cardId"] = cardOfB;
        OfB["voucherId"] = voucherOfB;
        CodeOfB = code;
        (CardOfA, _, _) = await VoucherAsync(ownerA, A, "a-shop", "A-CARD-1");
    }

    private static async Task<string> CreateKeyAsync(HttpClient owner, string merchantId)
    {
        var created = await owner.PostAsJsonAsync($"/api/merchants/{merchantId}/keys", new { name = "all scopes", scopes = new[] { "read", "write", "redeem" } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"Key: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return await TokenOfAsync(created, "key");
    }

    private static async Task<string> StaffTokenAsync(HttpClient owner, string merchantId, string staffId)
    {
        var created = await owner.PostAsJsonAsync($"/api/merchants/{merchantId}/staff", new { staffId });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"Staff token: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return await TokenOfAsync(created, "token");
    }

    /// <summary>Enrols a card, sells to it once (goal 1) and returns the card, its voucher and the voucher's code.</summary>
    private async Task<(string Card, string Voucher, string Code)> VoucherAsync(HttpClient owner, string merchantId, string connectorId, string loyaltyCardId)
    {
        var enrolled = await owner.PostAsJsonAsync($"/api/merchants/{merchantId}/cards", new { loyaltyCardId });
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, $"Enrol: {(int)enrolled.StatusCode} {await enrolled.Content.ReadAsStringAsync()}");
        var card = await TokenOfAsync(enrolled, "cardId");
        var sale = $$"""{ "eventId": "evt-{{loyaltyCardId}}", "type": "sale.completed", "sale": { "id": "S-{{loyaltyCardId}}", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "loyaltyCardId": "{{loyaltyCardId}}" }, "currency": "EUR", "total": 3.5 } }""";
        Assert.Equal(HttpStatusCode.OK, (await Host.PostWebhookAsync(connectorId, sale, Secret)).StatusCode);
        JsonElement voucher = default;
        Assert.True(
            await Eventually.HoldsAsync(
                async () =>
                {
                    using var view = JsonDocument.Parse(await owner.GetStringAsync($"/api/merchants/{merchantId}/cards/{card}"));
                    var vouchers = view.RootElement.GetProperty("vouchers");
                    if (vouchers.GetArrayLength() == 0)
                    {
                        return false;
                    }

                    voucher = vouchers[0].Clone();
                    return true;
                },
                TimeSpan.FromSeconds(20)),
            "No voucher was minted.");
        return (card, voucher.GetProperty("id").GetString()!, voucher.GetProperty("code").GetString()!);
    }
}
