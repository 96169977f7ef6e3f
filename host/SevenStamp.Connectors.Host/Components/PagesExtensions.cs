using Microsoft.AspNetCore.Mvc;
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
        // The text goes through IStringLocalizer<Text> so translations can be added as resources; the host runs with
        // invariant globalization (no ICU in its image), so the pages speak English until a build with ICU picks a
        // culture per request.
        services.AddLocalization();
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
