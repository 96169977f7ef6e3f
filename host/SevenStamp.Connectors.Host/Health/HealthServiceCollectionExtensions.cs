using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace SevenStamp.Connectors.Host.Health;

/// <summary>
/// The host's health: <c>/health/live</c> answers while the process serves requests; <c>/health/ready</c> once the
/// database, the broker and every enabled connector are (the Docker health check and load balancers ask it).
/// </summary>
internal static class HealthServiceCollectionExtensions
{
    /// <summary>The tag of the checks behind <c>/health/ready</c>.</summary>
    public const string ReadyTag = "sevenstamp-ready";

    /// <summary>Adds the readiness checks: database, bus and connectors.</summary>
    public static IServiceCollection AddReadinessChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<BusHealthCheck>("bus", tags: [ReadyTag])
            .AddCheck<ConnectorsHealthCheck>("connectors", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Maps <c>/health/live</c> (no checks) and <c>/health/ready</c> (the readiness checks, each with its state), open to the orchestrator.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        return endpoints;
    }
}
