using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SevenStamp.Accounts;
using SevenStamp.Connectors.Host.Components.Pages.Console.Program;
using SevenStamp.Http.Access;
using SevenStamp.Http.RateLimiting;

namespace SevenStamp.Connectors.Host.Components;

/// <summary>
/// The people-facing pages (Blazor, static server rendering): the console, the account pages, and their styles. They
/// call the same services as the API; the accounts' tenant check guards them (<see cref="PageAccessAttribute"/>).
/// </summary>
public static class PagesExtensions
{
    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.AddRazorComponents();

        // The customer's card and voucher links answer a browser with a page and an API client with JSON.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, BrowserPagePolicy>());

        // The text goes through IStringLocalizer<Text>: English in the code, the other languages in Text.<lang>.resx
        // beside Text.cs; the request's language is chosen by PageLocalization.
        services.AddLocalization();

        // Pages in Hebrew, Persian, Chinese, Kazakh or Uzbek are written as their letters, not as &#x…; for each one.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddSingleton<IRateLimitPage, RateLimitPage>();
        return services;
    }

    /// <summary>Static assets, antiforgery for the pages' forms, the pages themselves, the sign-out form's endpoint and the join poster's downloads.</summary>
    public static WebApplication MapPages(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>();
        app.MapPost(AccountPaths.SignOut, async ([FromForm] string? returnUrl, PersonSignIn people) =>
        {
            await people.SignOutAsync();
            return TypedResults.LocalRedirect(AccountPaths.SignIn);
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapPosterDownloads();
        return app;
    }
}
