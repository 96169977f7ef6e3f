using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using SevenStamp.Accounts.Audit;
using SevenStamp.Accounts.Auth;
using SevenStamp.Accounts.Data;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Accounts;

/// <summary>How the host adds the accounts: their store, people (Identity), API keys, authentication and the tenant check.</summary>
public static class AccountsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the accounts' store (migrated at start after the loyalty store), ASP.NET Core Identity for people,
    /// the bearer scheme (operator key, API keys, staff tokens) beside Identity's cookie, and one authorization policy
    /// as both the default and the fallback: every endpoint not marked anonymous goes through the tenant check.
    /// <paramref name="adminKeySetting"/> names the setting that holds the operator's key (the host checks its form).
    /// </summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services, LoyaltyStoreOptions store, string adminKeySetting)
    {
        services.AddStoreContext<AccountsDbContext, SqliteAccountsDbContext, PostgresAccountsDbContext>(store, AccountsDbContext.HistoryTable);
        services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AccountsOptions>().Configure<IConfiguration>((o, configuration) => o.AdminKey = configuration[adminKeySetting]);
        services.AddScoped<ApiKeys>();
        services.AddScoped<MerchantAccounts>();
        services.AddScoped<PersonSignIn>();
        services.AddScoped<AuditLog>();
        services.TryAddSingleton<IEmailSender<AccountUser>, NoEmailSender>();
        services.AddDataProtection().SetApplicationName("SevenStamp").PersistKeysToDbContext<AccountsDbContext>();

        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, configureOptions: null)
            .AddIdentityCookies();
        services.AddIdentityCore<AccountUser>()
            .AddEntityFrameworkStores<AccountsDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<CallerClaimsFactory>();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountsOptions>>((identity, accounts) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = accounts.Value.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = accounts.Value.LockoutFor;
            identity.Lockout.AllowedForNewUsers = true;
            identity.User.RequireUniqueEmail = false;
            identity.Password.RequiredLength = 10;
            identity.Password.RequireNonAlphanumeric = false;
        });
        services.AddOptions<DataProtectionTokenProviderOptions>().Configure<IOptions<AccountsOptions>>((tokens, accounts) => tokens.TokenLifespan = accounts.Value.ResetLinkLifetime);
        services.ConfigureApplicationCookie(cookie =>
        {
            // Strict: a page of another site cannot make the browser send it, so the cookie cannot be used to forge a change.
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.Name = "sevenstamp.session";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            cookie.SlidingExpiration = true;
            cookie.Events.OnRedirectToLogin = context => Status(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Status(context, StatusCodes.Status403Forbidden);
        });
        services.Configure<SecurityStampValidatorOptions>(stamp => stamp.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddAuthorization(authorization =>
        {
            var tenant = new AuthorizationPolicyBuilder(BearerAuthenticationHandler.SchemeName, IdentityConstants.ApplicationScheme)
                .AddRequirements(new TenantRequirement())
                .Build();
            authorization.DefaultPolicy = tenant;
            authorization.FallbackPolicy = tenant;
        });
        services.AddSingleton<IAuthorizationHandler, TenantAuthorizationHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    /// <summary>
    /// Authentication, the tenant check and the audit log, in that order, after routing: every endpoint's caller is
    /// known and checked before it runs, and every change it makes is logged after.
    /// </summary>
    public static IApplicationBuilder UseAccounts(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<AuditMiddleware>();
        return app;
    }

    /// <summary>An API answers a missing or wrong session with its status, not with a redirect to a sign-in page.</summary>
    private static Task Status(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
