using System.Text.Json;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;
using SevenStamp.Http.Access;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>
/// The connector management API (the Kafka Connect shape): installed plugins and their settings schema, settings
/// validation, and connectors created, replaced, deleted, paused, resumed and restarted without restarting the host.
/// Connectors of the merchant's file are listed too and are read-only here, except pause, resume and restart. Secret
/// setting values are write-only. The same routes serve the operator under <c>/api/connectors</c> (every merchant's)
/// and a merchant under <c>/api/merchants/{merchantId}/connectors</c> (its own only: another merchant's connector is
/// answered as if it did not exist, and a connector created there is that merchant's).
/// </summary>
internal static class ConnectorApi
{
    public static IEndpointRouteBuilder MapConnectorApi(this IEndpointRouteBuilder endpoints)
    {
        // The catalog is no merchant's data: any merchant's caller may read it to set up a connector.
        var plugins = endpoints.MapGroup("/api/connector-plugins").WithTags("Connector management");
        plugins.MapGet(string.Empty, ListPlugins).RequireAnyMerchant(Permission.Read)
            .WithSummary("Installed connector plugins and the settings each takes (name, type, required, secret, default, description)")
            .Produces<IReadOnlyList<ConnectorPluginView>>();
        plugins.MapPut("/{pluginId}/config/validate", ValidateAsync).RequireAnyMerchant(Permission.Write).NotAudited()
            .WithSummary("Check settings for a plugin without creating anything: per-field errors and their count")
            .Accepts<IReadOnlyDictionary<string, JsonElement>>("application/json")
            .Produces<SettingsValidationView>();

        MapConnectors(endpoints.MapGroup("/api/connectors").WithTags("Connector management"));
        MapConnectors(endpoints.MapGroup("/api/merchants/{merchantId}/connectors").AddEndpointFilter<ConnectorOwnershipFilter>().WithTags("Connector management"));
        return endpoints;
    }

    private static void MapConnectors(RouteGroupBuilder connectors)
    {
        connectors.MapGet(string.Empty, ListAsync).WithSummary("Every connector (from the file and the API) with its status").Produces<ConnectorListView>();
        connectors.MapPost(string.Empty, CreateAsync).Audited("connector.created")
            .WithSummary("Create a connector; it starts at once on every replica. 409 when the id exists, 400 naming each invalid field")
            .Accepts<ConnectorRequest>("application/json")
            .Produces<ConnectorView>(StatusCodes.Status201Created);
        connectors.MapGet("/{id}", GetAsync).WithSummary("A connector's configuration (secret values never; secretsSet names the secrets that are set) and status").Produces<ConnectorView>();
        connectors.MapPut("/{id}", PutAsync).Audited("connector.changed")
            .WithSummary("Create or replace a connector (If-Match optional). A secret left out keeps its stored value; null clears it")
            .Accepts<ConnectorRequest>("application/json")
            .Produces<ConnectorView>();
        connectors.MapDelete("/{id}", DeleteAsync).Audited("connector.deleted").WithSummary("Stop and delete a connector (If-Match optional); its webhooks then get 404");
        connectors.MapGet("/{id}/status", StatusAsync).WithSummary("Running, paused, pending or failed (with the reason), events in and out, signature failures, restarts").Produces<ConnectorStatusView>();
        connectors.MapPut("/{id}/pause", (string id, ConnectorManagement management, CancellationToken ct) => ControlAsync(id, ConnectorControl.Pause, management, ct))
            .Audited("connector.paused")
            .WithSummary("Pause a connector on every replica: its webhooks are answered 503 with Retry-After, so the POS retries later")
            .Produces<ConnectorStatusView>();
        connectors.MapPut("/{id}/resume", (string id, ConnectorManagement management, CancellationToken ct) => ControlAsync(id, ConnectorControl.Resume, management, ct))
            .Audited("connector.resumed")
            .WithSummary("Resume a paused connector on every replica")
            .Produces<ConnectorStatusView>();
        connectors.MapPost("/{id}/restart", (string id, ConnectorManagement management, CancellationToken ct) => ControlAsync(id, ConnectorControl.Restart, management, ct))
            .Audited("connector.restarted")
            .WithSummary("Stop and start a connector again on every replica (environment references are read again)")
            .Produces<ConnectorStatusView>();
        connectors.MapPost("/{id}/dry-run", DryRunAsync).NotAudited()
            .WithSummary("Try a webhook on a connector: its signature is checked and its body mapped exactly as a live delivery, and the sales and refunds it would publish are returned, or each error by field. Nothing is published, stamped or marked seen")
            .Accepts<DryRunRequest>("application/json")
            .Produces<DryRunView>();
    }

    private static async Task<IResult> DryRunAsync(string id, HttpRequest request, ConnectorDryRun dryRun, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var (sample, errors) = await ConnectorRequestReader.ReadDryRunAsync(request, cancellationToken);
        if (sample is null)
        {
            return Invalid(errors);
        }

        return await dryRun.RunAsync(id, sample.Body, sample.Headers ?? new Dictionary<string, string>(), cancellationToken) is { } result
            ? Results.Ok(DryRunView(id, result))
            : NotFound(id);
    }

    /// <summary>A dry run's result as the API (and the console) shows it.</summary>
    internal static DryRunView DryRunView(string id, DryRunResult result) =>
        new(id, result.Outcome, result.Message, result.Sales, result.Refunds, [.. result.Errors.Select(e => new FieldErrorView(e.Field, e.Message))]);

    /// <summary>The catalogue; a merchant's caller does not see the plugins only the operator may use.</summary>
    private static IResult ListPlugins(HttpContext http, ConnectorManagement management) => Results.Ok(management.Catalog.Plugins.Values
        .Where(p => Caller.From(http.User)?.IsOperator != false || !management.IsOperatorOnly(p.Manifest.Id))
        .OrderBy(p => p.Manifest.Id, StringComparer.Ordinal)
        .Select(p => new ConnectorPluginView(
            p.Manifest.Id,
            p.Manifest.Name,
            p.Manifest.Version.ToString(),
            p.Manifest.SdkVersion.ToString(),
            [.. p.Connector.SettingsDefinition.Select(d => new SettingSchemaView(
                d.Name,
                d.Type.ToString().ToLowerInvariant(),
                d.Required,
                d.Secret,
                d.Secret ? null : d.DefaultValue,
                d.Description,
                d.Type == SettingType.Boolean ? ["true", "false"] : d.AllowedValues))]))
        .ToList());

    private static async Task<IResult> ValidateAsync(string pluginId, HttpRequest request, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (!management.Catalog.Plugins.TryGetValue(pluginId, out var plugin))
        {
            return Results.Problem($"No plugin '{pluginId}' is installed; GET /api/connector-plugins lists the installed ones.", statusCode: StatusCodes.Status404NotFound);
        }

        var (settings, errors) = await ConnectorRequestReader.ReadSettingsAsync(request, plugin.Connector.SettingsDefinition, cancellationToken);
        if (settings is null)
        {
            return Invalid(errors);
        }

        var result = management.Validate(plugin, settings);
        return Results.Ok(new SettingsValidationView(plugin.Manifest.Id, result.Count, [.. result.Select(e => new FieldErrorView(e.Field, e.Message))]));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ConnectorManagement management, CancellationToken cancellationToken) =>
        Results.Ok(await ListViewsAsync(management, ConnectorOwnershipFilter.MerchantOf(http), cancellationToken));

    /// <summary>
    /// Every connector (from the file and the API) with its status, of <paramref name="merchantId"/> only where given
    /// (the connector file's errors name no merchant reliably and are then left out: they are the operator's).
    /// </summary>
    internal static async Task<ConnectorListView> ListViewsAsync(ConnectorManagement management, string? merchantId, CancellationToken cancellationToken)
    {
        var supervisor = management.Supervisor;
        var views = new List<ConnectorView>();
        foreach (var runtime in supervisor.Connectors.Where(c => c.Source == ConnectorSource.File))
        {
            views.Add(FileView(runtime, await management.FindFileControlAsync(runtime.Id, cancellationToken), management.Catalog));
        }

        foreach (var instance in await management.ListAsync(cancellationToken))
        {
            if (!supervisor.IsDefinedInFile(instance.Id))
            {
                views.Add(ApiView(instance, supervisor, management.Catalog));
            }
        }

        return new ConnectorListView(
            [.. views.Where(v => merchantId is null || v.MerchantId == merchantId).OrderBy(v => v.Id, StringComparer.Ordinal)],
            merchantId is null ? [.. supervisor.ConfigurationErrors.Select(e => new ConfigurationErrorView(e.ConnectorId, e.Field, e.Message))] : []);
    }

    private static async Task<IResult> GetAsync(string id, HttpResponse response, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var supervisor = management.Supervisor;
        if (supervisor.IsDefinedInFile(id))
        {
            return supervisor.TryGet(id, out var runtime)
                ? Results.Ok(FileView(runtime, await management.FindFileControlAsync(id, cancellationToken), management.Catalog))
                : FileBroken(id, supervisor);
        }

        var instance = await management.FindAsync(id, cancellationToken);
        if (instance is null)
        {
            return NotFound(id);
        }

        response.Headers.ETag = ConnectorManagement.ETag(instance);
        return Results.Ok(ApiView(instance, supervisor, management.Catalog));
    }

    private static async Task<IResult> StatusAsync(string id, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var supervisor = management.Supervisor;
        if (supervisor.TryGet(id, out var runtime))
        {
            return Results.Ok(Status(runtime));
        }

        // Stored but not (yet) running here: another replica created it a moment ago, or the file shadows it.
        return await management.FindAsync(id, cancellationToken) is { } instance
            ? Results.Ok(ApiView(instance, supervisor, management.Catalog).Status)
            : supervisor.IsDefinedInFile(id) ? FileBroken(id, supervisor) : NotFound(id);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, HttpResponse response, ConnectorManagement management, CancellationToken cancellationToken)
    {
        var (draft, errors) = await ConnectorRequestReader.ReadDraftAsync(request, cancellationToken);
        if (draft is null)
        {
            return Invalid(errors);
        }

        if (ConnectorOwnershipFilter.ScopeDraft(request.HttpContext, draft, management, out var problem) is not { } scoped)
        {
            return Invalid([problem!]);
        }

        draft = scoped;
        var result = await management.CreateAsync(draft, cancellationToken);
        if (result.Outcome == ChangeOutcome.Created)
        {
            request.HttpContext.Audit(draft.Id, null, Summary(ApiView(result.Instance!, management.Supervisor, management.Catalog)));
        }

        return result.Outcome switch
        {
            ChangeOutcome.Created => Created(result.Instance!, response, management),
            ChangeOutcome.AlreadyExists => Results.Problem($"A connector with the id '{draft.Id}' exists already: choose another id, or replace it with PUT /api/connectors/{draft.Id}.", statusCode: StatusCodes.Status409Conflict),
            ChangeOutcome.DefinedInFile => DefinedInFile(draft.Id!, management.Supervisor),
            _ => Invalid(result.Errors ?? []),
        };
    }

    private static async Task<IResult> PutAsync(string id, HttpRequest request, HttpResponse response, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var (draft, errors) = await ConnectorRequestReader.ReadDraftAsync(request, cancellationToken);
        if (draft is null)
        {
            return Invalid(errors);
        }

        if (ConnectorOwnershipFilter.ScopeDraft(request.HttpContext, draft, management, out var problem) is not { } scoped)
        {
            return Invalid([problem!]);
        }

        var existing = await management.FindAsync(id, cancellationToken);
        if (existing is not null && ConnectorOwnershipFilter.MerchantOf(request.HttpContext) is not null && management.IsOperatorOnly(existing.PluginId))
        {
            // An operator-only connector the operator gave this merchant: the merchant may pause or delete it, not change it.
            return Invalid([ConnectorManagement.OperatorOnly(existing.PluginId)]);
        }

        var before = existing is null ? null : Summary(ApiView(existing, management.Supervisor, management.Catalog));
        var result = await management.PutAsync(id, scoped, IfMatch(request), cancellationToken);
        if (result.Outcome is ChangeOutcome.Created or ChangeOutcome.Replaced)
        {
            request.HttpContext.Audit(id, before, Summary(ApiView(result.Instance!, management.Supervisor, management.Catalog)));
        }

        switch (result.Outcome)
        {
            case ChangeOutcome.Created:
                return Created(result.Instance!, response, management);
            case ChangeOutcome.Replaced:
                response.Headers.ETag = ConnectorManagement.ETag(result.Instance!);
                return Results.Ok(ApiView(result.Instance!, management.Supervisor, management.Catalog));
            case ChangeOutcome.DefinedInFile:
                return DefinedInFile(id, management.Supervisor);
            case ChangeOutcome.PreconditionFailed:
                return PreconditionFailed(id, result.Instance);
            default:
                return Invalid(result.Errors ?? []);
        }
    }

    private static async Task<IResult> DeleteAsync(string id, HttpRequest request, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var before = await management.FindAsync(id, cancellationToken) is { } existing ? Summary(ApiView(existing, management.Supervisor, management.Catalog)) : null;
        var result = await management.DeleteAsync(id, IfMatch(request), cancellationToken);
        request.HttpContext.Audit(id, before, "deleted");
        return result.Outcome switch
        {
            ChangeOutcome.Deleted => Results.NoContent(),
            ChangeOutcome.DefinedInFile => DefinedInFile(id, management.Supervisor),
            ChangeOutcome.PreconditionFailed => PreconditionFailed(id, result.Instance),
            _ => NotFound(id),
        };
    }

    private static async Task<IResult> ControlAsync(string id, ConnectorControl control, ConnectorManagement management, CancellationToken cancellationToken)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var result = await management.ControlAsync(id, control, cancellationToken);
        if (result.Outcome == ChangeOutcome.NotFound)
        {
            return NotFound(id);
        }

        return management.Supervisor.TryGet(id, out var runtime)
            ? Results.Ok(Status(runtime))
            : management.Supervisor.IsDefinedInFile(id) ? FileBroken(id, management.Supervisor) : NotFound(id);
    }

    /// <summary>A stored connector in one line for the audit log (the API's and the console's): never a secret's value.</summary>
    internal static string AuditSummary(ConnectorInstance instance, ConnectorManagement management) =>
        Summary(ApiView(instance, management.Supervisor, management.Catalog));

    /// <summary>A connector in one line for the audit log: its plugin, merchant, state and settings, never a secret's value.</summary>
    private static string Summary(ConnectorView view) =>
        $"plugin {view.Plugin}, merchant {view.MerchantId}, {(view.Paused ? "paused" : "running")}, settings {{{string.Join(", ", view.Settings.Select(s => $"{s.Key}={s.Value}"))}}}"
        + (view.SecretsSet.Count == 0 ? string.Empty : $", secrets set: {string.Join(", ", view.SecretsSet)}");

    private static IResult Created(ConnectorInstance instance, HttpResponse response, ConnectorManagement management)
    {
        response.Headers.ETag = ConnectorManagement.ETag(instance);
        return Results.Created($"/api/connectors/{instance.Id}", ApiView(instance, management.Supervisor, management.Catalog));
    }

    private static ConnectorView ApiView(ConnectorInstance instance, ConnectorSupervisor supervisor, PluginCatalog catalog)
    {
        catalog.Plugins.TryGetValue(instance.PluginId, out var plugin);
        var stored = ConnectorManagement.StoredSettingsOrEmpty(instance);
        var settings = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        var secretsSet = new List<string>();
        foreach (var (name, value) in stored)
        {
            // A value is hidden when the plugin declares it secret, or when it is stored encrypted (plugin unknown here).
            if (plugin?.Connector.SettingsDefinition.Find(name)?.Secret == true || ConnectorSecrets.IsProtected(value))
            {
                secretsSet.Add(name);
            }
            else
            {
                settings[name] = value;
            }
        }

        var status = supervisor.TryGet(instance.Id, out var runtime) && runtime.Source == ConnectorSource.Api
            ? Status(runtime)
            : new ConnectorStatusView(instance.Id, supervisor.IsDefinedInFile(instance.Id) ? "shadowed" : "pending", supervisor.IsDefinedInFile(instance.Id) ? "the connector file defines the same id; the file's definition runs" : null, [], 0, 0, 0, 0, 0, 0, null, null, null, 0, null, null);
        return new ConnectorView(instance.Id, instance.PluginId, instance.MerchantId, "api", instance.Paused, instance.Isolation, instance.SourceSystem ?? instance.Id, settings, [.. secretsSet.Order(StringComparer.Ordinal)], instance.Version, instance.CreatedAt, instance.UpdatedAt, status);
    }

    private static ConnectorView FileView(ConnectorRuntime runtime, ConnectorFileControl? control, PluginCatalog catalog)
    {
        var config = runtime.Config;
        catalog.Plugins.TryGetValue(config.PluginId, out var plugin);
        var settings = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        var secretsSet = new List<string>();
        foreach (var (name, value) in config.Settings)
        {
            // Without the plugin, which values are secret is unknown: none is shown.
            if (plugin is null || plugin.Connector.SettingsDefinition.Find(name)?.Secret != false)
            {
                if (value is not null)
                {
                    secretsSet.Add(name);
                }
            }
            else
            {
                settings[name] = value;
            }
        }

        return new ConnectorView(config.Id, config.PluginId, config.MerchantId, "file", control?.Paused ?? false, Isolation.ConnectorIsolationNames.Name(config.Isolation), config.SourceSystem ?? config.Id, settings, [.. secretsSet.Order(StringComparer.Ordinal)], control?.Version, null, control?.UpdatedAt, Status(runtime));
    }

    internal static ConnectorStatusView Status(ConnectorRuntime runtime) => new(
        runtime.Id,
        runtime.State.ToString().ToLowerInvariant(),
        runtime.FailureReason,
        [.. runtime.SettingErrors.Select(e => new FieldErrorView(e.Field, e.Message))],
        runtime.EventsIn,
        runtime.RecordsOut,
        runtime.SignatureFailures,
        runtime.Ignored,
        runtime.Invalid,
        runtime.Failures,
        runtime.LastEventAt,
        runtime.LastFailureAt,
        runtime.StartedAt,
        runtime.RestartAttempts,
        runtime.NextRestartAt,
        runtime.CircuitOpenUntil(TimeProvider.System.GetUtcNow()));

    private static string? IfMatch(HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static IResult? BadId(string id) => ConnectorManifest.IsValidId(id)
        ? null
        : Invalid([new SettingError("id", "must be lower-case letters, digits and dashes (1–63 characters, not starting or ending with a dash), e.g. \"shop-webhook\"")]);

    private static IResult Invalid(IReadOnlyList<SettingError> errors) => FieldErrors.Problem(
        errors,
        detail: $"{errors.Count} error(s); nothing was stored.",
        extensions: new Dictionary<string, object?> { ["errorCount"] = errors.Count });

    private static IResult NotFound(string id) =>
        Results.Problem($"No connector '{id}'; GET /api/connectors lists them.", statusCode: StatusCodes.Status404NotFound);

    private static IResult DefinedInFile(string id, ConnectorSupervisor supervisor) => Results.Problem(
        $"Connector '{id}' is defined in the connector file {supervisor.ConnectorsFilePath} and is read-only through the API: edit that file and restart the host to change or remove it. Pause, resume and restart work here.",
        statusCode: StatusCodes.Status409Conflict);

    private static IResult FileBroken(string id, ConnectorSupervisor supervisor) => Results.Problem(
        $"Connector '{id}' is in the connector file {supervisor.ConnectorsFilePath} but could not be read: {string.Join("; ", supervisor.ConfigurationErrors.Where(e => e.ConnectorId == id).Select(e => e.Field + " " + e.Message))}",
        statusCode: StatusCodes.Status409Conflict);

    private static IResult PreconditionFailed(string id, ConnectorInstance? current) => Results.Problem(
        current is null
            ? $"If-Match was sent, but connector '{id}' does not exist (any more)."
            : $"Connector '{id}' changed since you read it (its ETag is now {ConnectorManagement.ETag(current)}): GET it again and re-apply your change.",
        statusCode: StatusCodes.Status412PreconditionFailed);
}
