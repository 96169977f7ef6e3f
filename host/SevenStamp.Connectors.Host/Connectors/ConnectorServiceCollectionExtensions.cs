using Microsoft.Extensions.Options;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>How the host runs connectors: the supervisor, the management behind the API, and the secrets they store.</summary>
internal static class ConnectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the connector runtime: <see cref="ConnectorSupervisor"/> as a hosted service (register it after the bus and
    /// the outbox relay, so connectors start last and stop first), <see cref="ConnectorManagement"/> per request,
    /// <see cref="ConnectorSecrets"/>, and the start-up check of the connector management settings.
    /// </summary>
    public static IServiceCollection AddConnectorRuntime(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<SevenStampOptions>, ConnectorManagementOptionsValidator>();
        services.AddSingleton<ConnectorSecrets>();
        services.AddScoped<ConnectorManagement>();
        services.AddSingleton<ConnectorDryRun>();
        services.AddSingleton<ConnectorSupervisor>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectorSupervisor>());

        // The loyalty API's view of each connector's source system.
        services.AddSingleton<SevenStamp.Loyalty.Api.IConnectorSourceSystems, ConnectorSourceSystems>();
        return services;
    }
}
