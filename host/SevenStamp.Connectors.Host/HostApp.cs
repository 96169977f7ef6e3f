using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using SevenStamp.Connectors.Host.Health;
using SevenStamp.Connectors.Host.Api;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Host.Demo;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Host.Webhooks;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Wallet;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Connectors.Host;

/// <summary>Builds the host: one process with the plugin host, the webhook server, the bus and the loyalty consumers.</summary>
public static class HostApp
{
    /// <summary>The tag of the checks behind <c>/health/ready</c>.</summary>
    public const string ReadyTag = "sevenstamp-ready";

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
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = ExplicitContentRoot(rest) is null ? AppContext.BaseDirectory : null });
        builder.AddRedactedRequestLogging();
        if (demo)
        {
            DemoMode.Configure(builder, rest);
        }

        configure?.Invoke(builder);
        ConfigureServices(builder);

        var app = builder.Build();

        // Every setting is checked now, each bad one named, before anything starts: failing the same checks at start
        // would also have the host log its own error with a stack trace.
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.UseExceptionHandler();
        app.UseHttpLogging();
        app.MapWebhooks();
        app.MapStatus();
        app.MapLoyaltyApi();
        app.MapConnectorApi();
        app.MapRedemptionApi();
        app.MapWallet();
        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync });
        app.MapPrometheusScrapingEndpoint("/metrics");
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

    /// <summary>The secret behind customers' voucher and card links; a random one (links die with the process) when unset.</summary>
    private static LinkSecret LinkSecretFrom(VoucherLinkOptions options, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.LinkSecret))
        {
            return new LinkSecret(options.LinkSecret);
        }

        logger.LogWarning("SevenStamp:Vouchers:LinkSecret is not set: customers' voucher and card links work until this host restarts. Set it (32+ random characters, the same on every replica).");
        return new LinkSecret(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
    }

    private sealed record LinkSecret(string Value);

    private static void ConfigureServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(SevenStampOptions.SectionName);
        services.AddOptions<SevenStampOptions>().BindConfiguration(SevenStampOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = section.Get<SevenStampOptions>() ?? new SevenStampOptions();

        // The store is wired from its settings right here, so they are checked right here: a bad one stops the
        // build with the setting named, before anything is made from it.
        services.AddOptions<LoyaltyStoreOptions>().BindConfiguration(LoyaltyStoreOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var store = builder.Configuration.GetSection(LoyaltyStoreOptions.SectionName).Get<LoyaltyStoreOptions>() ?? new LoyaltyStoreOptions();
        if (new DataAnnotationValidateOptions<LoyaltyStoreOptions>(Options.DefaultName).Validate(Options.DefaultName, store) is { Failed: true } invalidStore)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(LoyaltyStoreOptions), invalidStore.Failures);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.Webhooks.MaxBodyBytes);
        services.AddSingleton(TimeProvider.System);

        // Hosted services start in registration order and stop in reverse: schema and programs first, then the
        // bus, then the outbox relay and the connectors; on shutdown those stop before the bus does.
        services.AddLoyaltyStore(store);
        services.AddConnectorStore(store).AddWalletStore(store);
        services.AddLoyaltyPrograms(builder.Configuration.GetSection("SevenStamp:Programs").Get<List<ProgramDefinition>>() ?? []);
        services.AddSevenStampBus(options.Bus, options.Demo.Enabled, builder.Configuration);
        services.AddLoyaltyWorkers();

        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<SevenStampOptions>>().Value;
            string[] roots = string.IsNullOrWhiteSpace(settings.AdditionalPluginRoot) ? [settings.PluginRoot] : [settings.PluginRoot, settings.AdditionalPluginRoot];
            return PluginCatalog.Load([.. roots.Select(r => Path.GetFullPath(r, AppContext.BaseDirectory))], sp.GetRequiredService<ILoggerFactory>().CreateLogger<PluginCatalog>());
        });
        services.AddSingleton<IValidateOptions<SevenStampOptions>, ConnectorManagementOptionsValidator>();
        services.AddSingleton<ConnectorSecrets>();
        services.AddScoped<ConnectorManagement>();
        services.AddSingleton<ConnectorSupervisor>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectorSupervisor>());

        if (options.Demo.Enabled)
        {
            services.AddSingleton<DemoStatistics>();
            services.AddHostedService<DemoConsole>();
        }

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<BusHealthCheck>("bus", tags: [ReadyTag])
            .AddCheck<ConnectorsHealthCheck>("connectors", tags: [ReadyTag]);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HostMetrics.MeterName, LoyaltyMetrics.MeterName, "MassTransit")
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            json.SerializerOptions.AllowDuplicateProperties = false;
        });

        // A body that cannot be read answers 400 naming the field (JsonBody.BadBodyHandler); any other unhandled
        // failure answers a bare 500 problem, never a stack trace.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<JsonBody.BadBodyHandler>();
        services.AddProblemDetails();
        services.AddSingleton(sp => LinkSecretFrom(sp.GetRequiredService<IOptions<SevenStampOptions>>().Value.Vouchers, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HostApp))));
        services.AddSingleton(sp => new VoucherLinks(sp.GetRequiredService<LinkSecret>().Value));
        services.AddSingleton(sp => new CardLinks(sp.GetRequiredService<LinkSecret>().Value));
        services.AddWallet(builder.Configuration);
    }
}
