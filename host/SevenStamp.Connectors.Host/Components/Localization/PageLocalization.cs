using System.Globalization;
using Microsoft.AspNetCore.Localization;
using SevenStamp.Accounts;
using SevenStamp.Http.Access;
using SevenStamp.Http.Localization;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Connectors.Host.Components.Localization;

/// <summary>
/// The language of the pages customers and staff read: the join, card and voucher pages, the scanner and the account
/// pages. Chosen per request, first match wins: <c>?lang=</c> (a link may name it), the browser's
/// <c>Accept-Language</c>, then the merchant's default language (<c>PUT /api/merchants/{id}/language</c>), then
/// English. Only those paths are localized: the console, the API and the webhooks keep the invariant culture, so no
/// number or date an integrator reads changes with a header.
/// </summary>
public static class PageLocalization
{
    /// <summary>The query parameter that picks a language, e.g. <c>?lang=he</c>.</summary>
    public const string QueryKey = "lang";

    private static readonly string[] LocalizedPrefixes = ["/join", "/wallet/cards", "/v", "/scanner", "/account"];

    /// <summary>The host formats and compares with the invariant culture wherever a page does not choose a language.</summary>
    public static void UseInvariantDefaults()
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
    }

    /// <summary>Whether <paramref name="path"/> is a page people read in their language.</summary>
    public static bool IsLocalized(PathString path) =>
        LocalizedPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    public static IApplicationBuilder UsePageLocalization(this IApplicationBuilder app)
    {
        var cultures = PeopleLanguages.Cultures.ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(PeopleLanguages.Default),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
            ApplyCurrentCultureToResponseHeaders = true,
            RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = QueryKey, UIQueryStringKey = QueryKey },
                new AcceptLanguageHeaderRequestCultureProvider(),
                new CustomRequestCultureProvider(MerchantDefaultAsync),
            ],
        };
        return app.UseWhen(context => IsLocalized(context.Request.Path), localized => localized.UseRequestLocalization(options));
    }

    /// <summary>The language attribute and direction of the page being rendered, from the request's UI culture.</summary>
    public static (string Lang, string Dir) Current()
    {
        var culture = CultureInfo.CurrentUICulture;
        return string.IsNullOrEmpty(culture.Name)
            ? (PeopleLanguages.Default, "ltr")
            : (culture.Name, culture.TextInfo.IsRightToLeft ? "rtl" : "ltr");
    }

    /// <summary>The merchant's default language, for a request whose browser asked for none of the supported ones.</summary>
    private static async Task<ProviderCultureResult?> MerchantDefaultAsync(HttpContext context)
    {
        var merchantId = await MerchantOfAsync(context);
        if (merchantId is null)
        {
            return null;
        }

        var language = await context.RequestServices.GetRequiredService<MerchantAccounts>().LanguageAsync(merchantId, context.RequestAborted);
        return language is null ? null : new ProviderCultureResult(language);
    }

    /// <summary>Whose page this is: the merchant in a join link, the owner of a card or voucher link, or the signed-in person's.</summary>
    private static async Task<string?> MerchantOfAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var links = context.RequestServices.GetRequiredService<ICustomerLinkMerchants>();
        return segments switch
        {
            ["join", var merchantId, ..] => merchantId,
            ["wallet", "cards", var card, ..] when Guid.TryParse(card, out var cardId) => await links.OfCardAsync(cardId, context.RequestAborted),
            ["v", var voucher, ..] when Guid.TryParse(voucher, out var voucherId) => await links.OfVoucherAsync(voucherId, context.RequestAborted),
            _ => Caller.From(context.User)?.MerchantId,
        };
    }
}
