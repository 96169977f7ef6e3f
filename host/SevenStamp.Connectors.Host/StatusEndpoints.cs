using SevenStamp.Connectors.Host.Api;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Plugins;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// Read-only status: installed plugins (and quarantined ones) and the state of every connector. Never shows setting
/// values; wants the admin key once one is configured.
/// </summary>
internal static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder endpoints)
    {
        // Not the accounts' tenant check: open without an admin key (the demo), the operator's with one.
        var status = endpoints.MapGroup(string.Empty).AllowAnonymous().AddEndpointFilter<StatusKeyFilter>();
        status.MapGet("/plugins", (PluginCatalog catalog) => Results.Json(new
        {
            loaded = catalog.Plugins.Values.OrderBy(p => p.Manifest.Id, StringComparer.Ordinal).Select(p => new
            {
                id = p.Manifest.Id,
                name = p.Manifest.Name,
                version = p.Manifest.Version.ToString(),
                sdkVersion = p.Manifest.SdkVersion.ToString(),
                settings = p.Connector.SettingsDefinition.Select(d => new
                {
                    name = d.Name,
                    type = d.Type.ToString(),
                    required = d.Required,
                    secret = d.Secret,
                    defaultValue = d.Secret ? null : d.DefaultValue,
                    description = d.Description,
                    allowedValues = d.AllowedValues,
                }),
            }),
            quarantined = catalog.Failures.Select(f => new { folder = f.Folder, id = f.PluginId, reason = f.Reason }),
        }));

        status.MapGet("/connectors", (ConnectorSupervisor supervisor) => Results.Json(new
        {
            connectors = supervisor.Connectors.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => new
            {
                id = c.Id,
                plugin = c.Config.PluginId,
                merchantId = c.Config.MerchantId,
                source = c.Source.ToString().ToLowerInvariant(),
                state = c.State.ToString(),
                reason = c.FailureReason,
                settingErrors = c.SettingErrors.Select(e => new { field = e.Field, message = e.Message }),
                eventsIn = c.EventsIn,
                recordsOut = c.RecordsOut,
                signatureFailures = c.SignatureFailures,
                ignored = c.Ignored,
                invalid = c.Invalid,
                failures = c.Failures,
                lastEventAt = c.LastEventAt,
                lastFailureAt = c.LastFailureAt,
                restartAttempts = c.RestartAttempts,
                nextRestartAt = c.NextRestartAt,
            }),
            configurationErrors = supervisor.ConfigurationErrors.Select(e => new { connector = e.ConnectorId, field = e.Field, message = e.Message }),
        }));
        return endpoints;
    }
}
