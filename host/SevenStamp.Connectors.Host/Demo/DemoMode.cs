using MassTransit;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>
/// The zero-setup demo: the in-memory bus instead of RabbitMQ, a fresh SQLite file in the temp folder, and the
/// bundled connector file that runs the POS simulator (and a generic webhook connector to try with curl).
/// Command-line settings still win, e.g. <c>demo --SevenStamp:Demo:StopAfter=10s</c>.
/// </summary>
internal static class DemoMode
{
    /// <summary>The demo webhook connector's signing secret (see <c>Demo/connectors.demo.json</c>).</summary>
    public const string WebhookSecret = "demo-signing-secret";

    /// <summary>The demo's management API key (never use a known key outside the demo).</summary>
    public const string AdminKey = "demo-admin-key";

    /// <summary>The demo café's merchant id.</summary>
    public const string MerchantId = "demo-cafe";

    /// <summary>The demo café's ready sign-ins (user name, password, role): its owner and a member of its staff.</summary>
    public static readonly (string UserName, string Password, Accounts.MerchantRole Role)[] People =
    [
        ("demo-owner", "Demo-Owner-2026", Accounts.MerchantRole.Owner),
        ("demo-staff", "Demo-Staff-2026", Accounts.MerchantRole.Staff),
    ];

    /// <summary>The demo webhook connector's id.</summary>
    public const string WebhookConnectorId = "demo-webhook";

    /// <summary>Sets the demo's defaults (the <c>demo</c> command); <paramref name="args"/> still override them.</summary>
    public static WebApplicationBuilder AddDemoDefaults(this WebApplicationBuilder builder, string[] args)
    {
        var database = Path.Combine(Path.GetTempPath(), $"sevenstamp-demo-{Environment.ProcessId}.db");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SevenStamp:Demo:Enabled"] = "true",
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Database:ConnectionString"] = $"Data Source={database}",
            ["SevenStamp:ConnectorsFile"] = Path.Combine(AppContext.BaseDirectory, "Demo", "connectors.demo.json"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:SevenStamp.Connectors.Host.Plugins"] = "Information",
            ["Logging:LogLevel:SevenStamp.Connectors.Host.Connectors"] = "Information",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["SevenStamp:Api:AdminKey"] = AdminKey,
            ["SevenStamp:Vouchers:LinkSecret"] = "demo-voucher-link-secret-0123456789abcdef",
            ["SevenStamp:Programs:0:MerchantId"] = MerchantId,
            ["SevenStamp:Programs:0:Name"] = "Demo café coffee card",
            ["SevenStamp:Programs:0:StampGoal"] = "5",
            ["SevenStamp:Programs:0:Reward"] = "A free coffee of your choice",
            ["SevenStamp:Programs:0:CodePrefix"] = "CAFE-",
            ["SevenStamp:Programs:0:CodeLength"] = "6",
        });
        // Command-line arguments override the demo defaults.
        builder.Configuration.AddCommandLine(args);
        builder.Configuration["SevenStamp:Demo:Database"] = database;
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
        }

        return builder;
    }

    /// <summary>With the demo on (<see cref="DemoOptions.Enabled"/>), adds the console that prints sales, stamps and cards.</summary>
    public static IServiceCollection AddDemo(this IServiceCollection services, DemoOptions demo)
    {
        if (demo.Enabled)
        {
            services.AddSingleton<DemoStatistics>();
            services.AddHostedService<DemoConsole>();
        }

        return services;
    }

    /// <summary>Adds the demo's consumers to the bus: they print the sales and the engine's events, and play the till redeeming each new voucher.</summary>
    public static IBusRegistrationConfigurator AddDemoConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<DemoSaleReporter>();
        bus.AddConsumer<DemoStampReporter>();
        bus.AddConsumer<DemoRedeemer>();
        return bus;
    }
}
