using Microsoft.Extensions.Options;
using SevenStamp.Accounts;
using SevenStamp.Accounts.Api;
using SevenStamp.Connectors.Host.Health;
using SevenStamp.Connectors.Host.Api;
using SevenStamp.Connectors.Host.Components;
using SevenStamp.Connectors.Host.Components.Localization;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Host.Demo;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Host.Webhooks;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Api;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Wallet;
using SevenStamp.Wallet.Data;
using SevenStamp.Webhooks;
using SevenStamp.Webhooks.Api;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// Builds the host: one process with the plugin host, the webhook server, the bus and the loyalty consumers. The
/// composition root: each area is wired by an <c>AddXxx</c>/<c>MapXxx</c> extension in its own folder.
/// </summary>
public static class HostApp
{
    /// <summary>
    /// Creates the application for <paramref name="args"/>. A first argument of <c>demo</c> selects the zero-setup
    /// demo (in-memory bus, a fresh SQLite file, the bundled POS simulator); any other argument is configuration
    /// (<c>--SevenStamp:Bus:RabbitMqUri=…</c>). <paramref name="configure"/> lets tests override settings.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var demo = args.Length > 0 && string.Equals(args[0], "demo", StringComparison.OrdinalIgnoreCase);
        var rest = demo ? args[1..] : args;
        // The application is the host's assembly even when a test process runs it: its pages' static assets are found by
        // that name (SevenStamp.Connectors.Host.staticwebassets.*.json beside it).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, ApplicationName = typeof(HostApp).Assembly.GetName().Name, ContentRootPath = ExplicitContentRoot(rest) is null ? AppContext.BaseDirectory : null });
        builder.AddRedactedRequestLogging();

        // A build (not a publish) reads its pages' styles and scripts where they are in the source and the packages,
        // whatever the environment; a publish has them in wwwroot and has no such map, and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        if (demo)
        {
            builder.AddDemoDefaults(rest);
        }

        configure?.Invoke(builder);
        ConfigureServices(builder);
        PageLocalization.UseInvariantDefaults();

        var app = builder.Build();

        // Every setting is checked now, each bad one named, before anything starts: failing the same checks at start
        // would also have the host log its own error with a stack trace.
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.UseExceptionHandler();
        app.UseHttpLogging();
        app.UseRateLimiter();
        app.UseAccounts();
        app.UsePageLocalization();
        app.MapWebhooks();
        app.MapStatus();
        app.MapAccountsApi();
        app.MapLoyaltyApi();
        app.MapConnectorApi();
        app.MapWallet();
        app.MapWebhooksApi();
        app.MapPages();
        app.MapOpenApi().AllowAnonymous();
        app.MapHealth();
        app.MapMetrics();
        return app;
    }

    /// <summary>
    /// The content root the operator set (<c>--contentRoot</c>, <c>DOTNET_CONTENTROOT</c> or
    /// <c>ASPNETCORE_CONTENTROOT</c>), or null. Unset, the content root is the host's own folder, not the working
    /// directory: <c>dotnet /app/SevenStamp.Connectors.Host.dll</c> started from anywhere reads the
    /// <c>appsettings.json</c> beside it (whose log levels keep SQL and request lines out of the log) and finds a
    /// relative connectors file there.
    /// </summary>
    internal static string? ExplicitContentRoot(string[] args) => new ConfigurationBuilder()
        .AddEnvironmentVariables("DOTNET_")
        .AddEnvironmentVariables("ASPNETCORE_")
        .AddCommandLine(args)
        .Build()[HostDefaults.ContentRootKey] is { Length: > 0 } root ? root : null;

    private static void ConfigureServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var options = builder.AddSevenStampOptions();
        var store = builder.AddDatabaseOptions();
        builder.AddWebhookIngress(options.Webhooks);
        services.AddSingleton(TimeProvider.System);

        // Hosted services start in registration order and stop in reverse: schema and programs first, then the
        // bus, then the outbox relay and the connectors; on shutdown those stop before the bus does.
        services.AddLoyaltyStore(store);
        services.AddConnectorStore(store).AddWalletStore(store);
        services.AddAccounts(store, "SevenStamp:Api:AdminKey");
        services.AddOutboundWebhooks(store, builder.Configuration);
        services.AddLoyaltyPrograms(builder.Configuration.GetSection("SevenStamp:Programs").Get<List<ProgramDefinition>>() ?? []);
        services.AddSevenStampBus(options.Bus, options.Demo.Enabled, builder.Configuration);
        services.AddLoyaltyWorkers();
        services.AddPluginCatalog();
        services.AddConnectorRuntime();
        services.AddDemo(options.Demo);

        services.AddReadinessChecks();
        services.AddHostMetrics();
        services.AddManagementApi();
        services.AddRateLimits();
        services.AddScannerOptions();
        services.AddCustomerLinks();
        services.AddWallet(builder.Configuration);
        services.AddPages();
    }
}
