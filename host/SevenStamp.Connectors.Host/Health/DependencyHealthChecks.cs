using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Health;

/// <summary>The database answers; unhealthy once it has not for longer than the grace period.</summary>
internal sealed class DatabaseHealthCheck(IServiceScopeFactory scopes, TimeProvider timeProvider) : IHealthCheck
{
    private readonly FailureGrace _grace = new(timeProvider, ReadinessGrace.Period);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        bool reachable;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var scope = scopes.CreateAsyncScope();
            reachable = await scope.ServiceProvider.GetRequiredService<IDatabaseProbe>().CanConnectAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reachable = false;
        }

        return ReadinessGrace.Result(_grace, reachable, "database");
    }
}

/// <summary>The bus is connected; unhealthy once it has been disconnected for longer than the grace period.</summary>
internal sealed class BusHealthCheck(IBusControl bus, TimeProvider timeProvider) : IHealthCheck
{
    private readonly FailureGrace _grace = new(timeProvider, ReadinessGrace.Period);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = bus.CheckHealth();
        return Task.FromResult(ReadinessGrace.Result(_grace, health.Status == BusHealthStatus.Healthy, "message broker", health.Description));
    }
}

/// <summary>
/// Every enabled connector the merchant configured is running (a paused, disabled or starting one is not a failure);
/// the data lists each with its state and reason. A missing connector file is a note, not a failure: connectors may
/// all come from the management API.
/// </summary>
internal sealed class ConnectorsHealthCheck(ConnectorSupervisor supervisor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = supervisor.Connectors.ToDictionary(
            c => c.Id,
            c => (object)(c.FailureReason is null ? c.State.ToString() : $"{c.State}: {c.FailureReason}"));
        var failed = supervisor.Connectors.Where(c => c.State == ConnectorState.Failed).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
        var note = supervisor.ConnectorsFileNote is { } missing ? "; " + missing : string.Empty;
        return Task.FromResult(failed.Count == 0
            ? HealthCheckResult.Healthy($"{supervisor.Connectors.Count(c => c.State == ConnectorState.Running)} connector(s) running, {supervisor.Connectors.Count(c => c.State == ConnectorState.Paused)} paused{note}", data)
            : HealthCheckResult.Unhealthy($"connector(s) failed: {string.Join(", ", failed)}", data: data));
    }
}

internal static class ReadinessGrace
{
    /// <summary>How long a dependency may be unreachable before the host reports itself not ready.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    public static HealthCheckResult Result(FailureGrace grace, bool healthy, string what, string? detail = null)
    {
        var failingFor = grace.Observe(healthy);
        if (healthy)
        {
            return HealthCheckResult.Healthy($"{what} reachable");
        }

        var description = $"{what} unreachable for {failingFor.TotalSeconds:0} s{(detail is null ? string.Empty : " (" + detail + ")")}";
        return grace.Exceeded(failingFor) ? HealthCheckResult.Unhealthy(description) : HealthCheckResult.Degraded(description);
    }
}
