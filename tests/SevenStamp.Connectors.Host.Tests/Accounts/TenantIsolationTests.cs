using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Wallet.Data;
using SevenStamp.Webhooks.Data;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>
/// Each merchant reaches only its own data. The endpoints are not listed here: they are read from the application's
/// endpoint data source, so an endpoint added tomorrow is called too, and fails this test if it lets merchant A's
/// people or keys (or no credentials at all) reach merchant B's program, cards, vouchers, connectors, keys or people.
/// Endpoints of no merchant's data (the plugin catalog, a person's own two-factor setup) are not B's to protect.
/// </summary>
public sealed partial class TenantIsolationTests
{
    /// <summary>The endpoints that are open to anyone, each because it carries its own credential.</summary>
    private static readonly string[] Anonymous =
    [
        "POST /webhooks/{connectorId}",                                  // the POS's signature
        "GET /v/{voucherId:guid}/{token}",                               // the voucher link's token (its JSON, and its page for browsers)
        "POST /v/{voucherId:guid}/{token}",                              // the voucher page's "Use now" form
        "POST /v/{voucherId:guid}/{token}/redeem",
        "GET /wallet/cards/{cardId:guid}/{token}",                       // the card link's token (its JSON, and its page for browsers)
        "POST /wallet/cards/{cardId:guid}/{token}",                      // the card page (it has no form of its own)
        "GET /wallet/cards/{cardId:guid}/{token}/google",
        "GET /wallet/cards/{cardId:guid}/{token}/apple.pkpass",
        "POST /wallet/google/callbacks",                                 // Google's signature (ECv2SigningOnly), when Google Wallet is on
        "POST /api/account/invites/accept",                              // the invite's token
        "POST /api/account/sign-in",                                     // the password
        "POST /api/account/sign-out",
        "POST /api/account/password-reset",                              // the reset link's token
        "GET /plugins",                                                  // the operator's key, by their own filter
        "GET /connectors",
        "GET /health/live",                                              // no data
        "GET /health/ready",
        "GET /metrics",
        "GET /openapi/{documentName}.json",
        "POST /account/sign-out",                                        // the session's own antiforgery form
        "GET /account/sign-in",                                          // the pages that take a password or a link's token
        "POST /account/sign-in",
        "GET /account/invite/{Token}",
        "POST /account/invite/{Token}",
        "GET /account/reset",
        "POST /account/reset",
        "GET /account/denied",                                           // no data
        "POST /account/denied",
        "GET /not-found",
        "POST /not-found",
        "GET /too-many-requests",                                        // no data: the page a rate limit shows
        "POST /too-many-requests",
        "POST /api/join/{merchantId}",                                   // anyone may take a card (rate limited per client and merchant)
        "GET /join/{merchantId}",
        "POST /join/{merchantId}",
        "GET /api/webhooks/events",                                      // no data: the outbound webhooks' event catalogue and schemas
        "GET /api/webhooks/schemas/{eventName}",
    ];

    /// <summary>Bodies that would change something if they were let through.</summary>
    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["/api/merchants/{merchantId}/program"] = """{"name": "Stolen card", "reward": "Nothing", "stampGoal": 3}""",
        ["/api/merchants/{merchantId}/program/pool"] = """["STOLEN-1"]""",
        ["/api/merchants/{merchantId}/cards"] = """{"loyaltyCardId": "STOLEN-CARD"}""",
        ["/api/merchants/{merchantId}/cards/{cardId:guid}/links"] = """{"loyaltyCardId": "STOLEN-LINK"}""",
        ["/api/merchants/{merchantId}/cards/{cardId:guid}/stamps"] = """{"delta": 5, "reason": "stolen"}""",
        ["/api/merchants/{merchantId}/vouchers/{voucherId:guid}/void"] = """{"reason": "stolen"}""",
        ["/api/merchants/{merchantId}/staff"] = """{"staffId": "intruder"}""",
        ["/api/merchants/{merchantId}/people/invites"] = """{"role": "Owner"}""",
        ["/api/merchants/{merchantId}/keys"] = """{"name": "intruder", "scopes": ["read", "write", "redeem"]}""",
        ["/api/merchants/{merchantId}/keys/{keyId:guid}/rotate"] = """{"overlap": "00:00:00"}""",
        ["/api/merchants/{merchantId}/connectors"] = """{"id": "intruder-shop", "plugin": "generic-webhook", "settings": {"signingSecret": "intruder-secret-0123456789"}}""",
        ["/api/merchants/{merchantId}/connectors/{id}"] = """{"plugin": "generic-webhook", "settings": {"signingSecret": "intruder-secret-0123456789"}}""",
        ["/api/connectors"] = """{"id": "intruder-shop", "plugin": "generic-webhook", "merchantId": "merchant-b", "settings": {"signingSecret": "intruder-secret-0123456789"}}""",
        ["/api/connectors/{id}"] = """{"plugin": "generic-webhook", "merchantId": "merchant-b", "settings": {"signingSecret": "intruder-secret-0123456789"}}""",
        ["/api/merchants"] = """{"id": "merchant-b", "name": "Taken over"}""",
        ["/api/merchants/{merchantId}/webhooks"] = """{"url": "https://93.184.216.34/hooks/intruder", "events": ["*"]}""",
        ["/api/merchants/{merchantId}/webhooks/{subscriptionId:guid}"] = """{"url": "https://93.184.216.34/hooks/intruder", "enabled": true}""",
        ["/api/merchants/{merchantId}/webhooks/{subscriptionId:guid}/replay"] = """{"since": "2020-01-01T00:00:00Z"}""",
        ["/api/merchants/{merchantId}/campaigns"] = """{"name": "Stolen", "reward": "Nothing", "segment": "AllCards"}""",
        ["/api/merchants/{merchantId}/campaigns/preview"] = """{"name": "Stolen", "reward": "Nothing", "segment": "AllCards"}""",
        ["/api/merchants/{merchantId}/campaigns/{campaignId:guid}/pool"] = """["STOLEN-2"]""",
    };

    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EveryEndpoint_MerchantAsPeopleAndKeysOnMerchantBsData_AreRefusedAndChangeNothing(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var merchants = await TwoMerchants.StartAsync(provider);
        var endpoints = merchants.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Endpoint: e)))
            .ToList();
        var open = endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null && !IsStaticAsset(e.Endpoint))
            .Select(e => $"{e.Method} {e.Endpoint.RoutePattern.RawText}").ToList();
        var guarded = endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
            && e.Endpoint.Metadata.GetMetadata<MerchantAccess>()?.Scope is not (MerchantScope.AnyMerchant or MerchantScope.Person)
            && !IsOwnMerchantPage(e.Endpoint)).ToList();
        var ownPages = endpoints.Where(e => IsOwnMerchantPage(e.Endpoint) && e.Method == "GET").ToList();
        var callers = merchants.OfA.Append(new("no credentials", merchants.Client())).ToList();
        var before = await SnapshotOfBAsync(merchants);
        var refusals = new List<string>();

        // Act: every guarded endpoint, with B's resources in its route (and B's voucher code or card for the counter's calls);
        // then those that name a resource besides the merchant, with A's merchant and B's resource (B's card, voucher,
        // connector, key or person reached through A's own routes).
        var ofBThroughA = new Dictionary<string, string>(merchants.OfB, StringComparer.Ordinal) { ["merchantId"] = TwoMerchants.A };
        var calls = guarded.Select(e => (e.Method, e.Endpoint, Path: Fill(e.Endpoint.RoutePattern.RawText!, merchants.OfB)))
            .Concat(guarded.Where(e => e.Endpoint.RoutePattern.Parameters.Any(p => p.Name == "merchantId") && e.Endpoint.RoutePattern.Parameters.Count > 1)
                .Select(e => (e.Method, e.Endpoint, Path: Fill(e.Endpoint.RoutePattern.RawText!, ofBThroughA))))
            .ToList();
        foreach (var (method, endpoint, path) in calls)
        {
            foreach (var (who, client) in callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    var body = endpoint.RoutePattern.RawText switch
                    {
                        "/api/staff/redeem" => JsonSerializer.Serialize(new { code = merchants.CodeOfB }),
                        "/api/staff/scan" => JsonSerializer.Serialize(new { code = merchants.OfB["cardId"], mode = "autopilot" }),
                        "/api/staff/stamp" => JsonSerializer.Serialize(new { cardId = merchants.OfB["cardId"] }),
                        var other => Bodies.GetValueOrDefault(other!, "{}"),
                    };
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                var response = await client.SendAsync(request);
                if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) && !IsPageRefusal(endpoint, method, response))
                {
                    refusals.Add($"{method} {path} as A's {who}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        // The pages of the signed-in person's own merchant name no resource: without a session they send the visitor
        // to sign in, and what they show A's people and keys holds nothing of B's.
        foreach (var (_, endpoint) in ownPages)
        {
            foreach (var (who, client) in callers)
            {
                var response = await client.GetAsync(endpoint.RoutePattern.RawText);
                var body = await response.Content.ReadAsStringAsync();
                var leaked = new[] { TwoMerchants.B, merchants.CodeOfB, merchants.OfB["cardId"], merchants.OfB["voucherId"], "b-shop" }.Where(b => body.Contains(b, StringComparison.OrdinalIgnoreCase)).ToList();
                if (!(IsPageRefusal(endpoint, "GET", response) || (response.StatusCode == HttpStatusCode.OK && who is "owner" or "manager" or "staff")) || leaked.Count > 0)
                {
                    refusals.Add($"GET {endpoint.RoutePattern.RawText} as A's {who}: {(int)response.StatusCode} {response.Headers.Location}{(leaked.Count > 0 ? " showing B's " + string.Join(", ", leaked) : string.Empty)}");
                }
            }
        }

        // Assert
        Assert.True(ownPages.Count > 0, "No page of the person's own merchant was found: the enumeration of pages is broken.");
        Assert.True(guarded.Count > 30 && calls.Count > guarded.Count + 10, $"Only {guarded.Count} guarded endpoints ({calls.Count} calls) were found: the enumeration is broken.");
        Assert.Empty(refusals);
        Assert.Empty(open.Except(Anonymous, StringComparer.Ordinal));
        Assert.Equal(before, await SnapshotOfBAsync(merchants));
        using var status = JsonDocument.Parse(await merchants.Operator.GetStringAsync("/api/connectors/b-shop/status"));
        Assert.Equal("running", status.RootElement.GetProperty("state").GetString());
    }

    /// <summary>A page of the signed-in person's own merchant whose route names nothing (the console's home).</summary>
    private static bool IsOwnMerchantPage(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<PageAccessAttribute>() is not null && endpoint.RoutePattern.Parameters.Count == 0;

    /// <summary>A style sheet or script of the pages (the framework's and ours): no data.</summary>
    private static bool IsStaticAsset(RouteEndpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().FullName == "Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor");

    /// <summary>
    /// How a page refuses: a visitor without a session (or with a key) is sent to sign in or told the role may not
    /// (a redirect to the account pages); a form posted without the page's antiforgery token is a 400.
    /// </summary>
    private static bool IsPageRefusal(RouteEndpoint endpoint, string method, HttpResponseMessage response) =>
        endpoint.Metadata.GetMetadata<PageAccessAttribute>() is not null
        && ((response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString is { } to
                && (to.StartsWith(AccountPaths.SignIn + "?", StringComparison.Ordinal) || to.StartsWith(AccountPaths.Denied + "?", StringComparison.Ordinal)))
            || (method == "POST" && response.StatusCode == HttpStatusCode.BadRequest));

    /// <summary>The route with each parameter replaced by B's resource of that name (an unknown one by "x").</summary>
    private static string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        RouteParameter().Replace(template, m => Uri.EscapeDataString(values.GetValueOrDefault(m.Groups[1].Value, "x")));

    /// <summary>
    /// Every row of every table the host keeps that is B's (rows with a merchant id of another merchant are left out:
    /// A's own key records when it was last used), as text, to compare before and after.
    /// </summary>
    private static async Task<string> SnapshotOfBAsync(TwoMerchants merchants)
    {
        await using var scope = merchants.Host.Services.CreateAsyncScope();
        var text = new StringBuilder();
        foreach (var db in new DbContext[]
        {
            scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>(),
            scope.ServiceProvider.GetRequiredService<ConnectorDbContext>(),
            scope.ServiceProvider.GetRequiredService<WalletDbContext>(),
            scope.ServiceProvider.GetRequiredService<AccountsDbContext>(),
            scope.ServiceProvider.GetRequiredService<WebhooksDbContext>(),
        })
        {
            foreach (var entity in db.Model.GetEntityTypes().Where(t => !t.IsOwned() && !t.ClrType.Name.Contains("Outbox", StringComparison.Ordinal)).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var rows = await ((IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entity.ClrType).Invoke(db, null)!)
                    .AsNoTracking().ToListAsync();
                var merchant = entity.ClrType.GetProperty("MerchantId");
                var ofB = rows.Where(r => merchant is null || Equals(merchant.GetValue(r), TwoMerchants.B))
                    .Select(r => JsonSerializer.Serialize(r, entity.ClrType))
                    .Order(StringComparer.Ordinal);
                text.AppendLine(entity.Name).AppendJoin('\n', ofB).AppendLine();
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial Regex RouteParameter();
}
