using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// A connector as a management request describes it; <c>null</c> members were not given. In <c>Settings</c> a null
/// value clears a setting, and a secret left out of a replace keeps its stored value.
/// </summary>
internal sealed record ConnectorDraft(string? Id, string? Plugin, string? MerchantId, IReadOnlyDictionary<string, string?>? Settings, bool? Paused)
{
    /// <summary>Where its plugin code runs; left out, in the host's process (a replace keeps the current choice).</summary>
    public Isolation.ConnectorIsolation? Isolation { get; init; }

    /// <summary>The point-of-sale system its sales come from; left out, the plugin's or the connector id (a replace keeps the current one).</summary>
    public string? SourceSystem { get; init; }
}

internal enum ChangeOutcome
{
    Created,
    Replaced,
    Deleted,
    Updated,
    NotFound,
    AlreadyExists,
    DefinedInFile,
    PreconditionFailed,
    Invalid,
}

/// <summary>What a change did; <see cref="Errors"/> name the fields at fault when it was invalid.</summary>
internal sealed record ChangeResult(ChangeOutcome Outcome, ConnectorInstance? Instance = null, IReadOnlyList<SettingError>? Errors = null);

/// <summary>The connector control a management request asks for.</summary>
internal enum ConnectorControl
{
    Pause,
    Resume,
    Restart,
}

/// <summary>
/// Creates, replaces, deletes, pauses, resumes and restarts connector instances in the database, then lets this
/// replica's <see cref="ConnectorSupervisor"/> apply the change at once (other replicas apply it on their next
/// poll). Writes use optimistic concurrency on the instance's revision; a lost race is retried, or refused when
/// the caller sent <c>If-Match</c>.
/// </summary>
internal sealed partial class ConnectorManagement(
    ConnectorDbContext db,
    PluginCatalog catalog,
    ConnectorSecrets secrets,
    ConnectorSupervisor supervisor,
    TimeProvider timeProvider,
    IOptions<SevenStampOptions> options,
    ILogger<ConnectorManagement> logger)
{
    /// <summary>Whether only the operator may add or change connectors of <paramref name="pluginId"/> (<see cref="ConnectorManagementOptions.OperatorOnlyPlugins"/>).</summary>
    public bool IsOperatorOnly(string? pluginId) =>
        pluginId is not null && options.Value.Connectors.OperatorOnlyPlugins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(pluginId, StringComparer.Ordinal);

    /// <summary>The answer to a merchant who sends a connector of an operator-only plugin.</summary>
    public static SettingError OperatorOnly(string pluginId) =>
        new("plugin", $"'{pluginId}' works on the host's own files, so only the operator may add or change it (SevenStamp:Connectors:OperatorOnlyPlugins); ask your SevenStamp operator, or choose another plugin");

    /// <summary>
    /// Tries of a change that lost an optimistic-concurrency race to another request; with the jittered pause
    /// between them, a burst of concurrent replaces all land instead of the unluckiest one failing.
    /// </summary>
    private const int MaxAttempts = 20;

    /// <summary>A short random pause after a lost race, growing with the attempt, so the racers spread out.</summary>
    private static Task LostRaceAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 10 * Math.Min(attempt, 10) + 1)), cancellationToken);

    /// <summary>The answer to a plain secret value while no secrets key is configured.</summary>
    public static readonly string NoSecretsKey =
        $"is a secret, and this host has no secrets key to store it encrypted: set {ConnectorSecrets.KeySetting} (32 random bytes in base64, e.g. from 'openssl rand -base64 32'; "
        + "the same on every replica), or give the value as a reference to an environment variable of the host, e.g. \"${env:SHOP_SECRET}\"";

    public ConnectorSupervisor Supervisor => supervisor;

    public PluginCatalog Catalog => catalog;

    public Task<ConnectorInstance?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.ConnectorInstances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);

    public Task<List<ConnectorInstance>> ListAsync(CancellationToken cancellationToken) =>
        db.ConnectorInstances.AsNoTracking().OrderBy(i => i.Id).ToListAsync(cancellationToken);

    public Task<ConnectorFileControl?> FindFileControlAsync(string id, CancellationToken cancellationToken) =>
        db.ConnectorFileControls.AsNoTracking().SingleOrDefaultAsync(c => c.ConnectorId == id, cancellationToken);

    /// <summary>
    /// Checks <paramref name="given"/> for <paramref name="plugin"/> as a create would, storing nothing. Keys of the
    /// errors are the setting names.
    /// </summary>
    public IReadOnlyList<SettingError> Validate(LoadedPlugin plugin, IReadOnlyDictionary<string, string?> given) =>
        Prepare(plugin, connectorId: null, given, stored: null).Errors;

    public async Task<ChangeResult> CreateAsync(ConnectorDraft draft, CancellationToken cancellationToken)
    {
        var (plugin, errors) = CheckDraft(draft, draft.Id);
        if (errors.Count == 0 && supervisor.IsDefinedInFile(draft.Id!))
        {
            return new ChangeResult(ChangeOutcome.DefinedInFile);
        }

        if (errors.Count == 0 && await db.ConnectorInstances.AnyAsync(i => i.Id == draft.Id, cancellationToken))
        {
            return new ChangeResult(ChangeOutcome.AlreadyExists);
        }

        var prepared = plugin is null ? null : Prepare(plugin, draft.Id, draft.Settings ?? new Dictionary<string, string?>(), stored: null);
        if (errors.Count > 0 || prepared is null || prepared.Errors.Count > 0)
        {
            return Invalid([.. errors, .. Prefixed(prepared?.Errors)]);
        }

        var now = timeProvider.GetUtcNow();
        var instance = new ConnectorInstance
        {
            Id = draft.Id!,
            PluginId = plugin!.Manifest.Id,
            MerchantId = draft.MerchantId!.Trim(),
            Settings = StoredConnectorSettings.Serialize(prepared.Stored),
            Paused = draft.Paused ?? false,
            Isolation = Isolation.ConnectorIsolationNames.Name(draft.Isolation ?? Isolation.ConnectorIsolation.InProcess),
            SourceSystem = draft.SourceSystem,
            Version = 1,
            Revision = Guid.NewGuid(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ConnectorInstances.Add(instance);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            if (await ExistsElsewhereAsync(instance.Id, cancellationToken))
            {
                return new ChangeResult(ChangeOutcome.AlreadyExists);
            }

            throw;
        }

        LogChanged(logger, instance.Id, "created", instance.PluginId, instance.Version);
        HostMetrics.ConnectorChanged("created");
        await ApplyHereAsync(cancellationToken);
        return new ChangeResult(ChangeOutcome.Created, instance);
    }

    /// <summary>
    /// Creates or replaces <paramref name="id"/>. A secret left out keeps its stored value; <c>paused</c> and
    /// <c>isolation</c> and <c>sourceSystem</c> left out keep their current values.
    /// </summary>
    public async Task<ChangeResult> PutAsync(string id, ConnectorDraft draft, string? ifMatch, CancellationToken cancellationToken)
    {
        var (plugin, errors) = CheckDraft(draft, id);
        if (draft.Id is not null && draft.Id != id)
        {
            errors.Add(new SettingError("id", $"is '{draft.Id}' in the body but '{id}' in the URL; leave it out or make them equal"));
        }

        if (errors.Count == 0 && supervisor.IsDefinedInFile(id))
        {
            return new ChangeResult(ChangeOutcome.DefinedInFile);
        }

        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var existing = await db.ConnectorInstances.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
            if (ifMatch is not null && !Matches(existing, ifMatch))
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed, existing);
            }

            var stored = existing is null || existing.PluginId != plugin?.Manifest.Id ? null : StoredSettingsOrEmpty(existing);
            var prepared = plugin is null ? null : Prepare(plugin, id, draft.Settings ?? new Dictionary<string, string?>(), stored);
            if (errors.Count > 0 || prepared is null || prepared.Errors.Count > 0)
            {
                return Invalid([.. errors, .. Prefixed(prepared?.Errors)]);
            }

            var now = timeProvider.GetUtcNow();
            var created = existing is null;
            existing ??= db.ConnectorInstances.Add(new ConnectorInstance { Id = id, PluginId = string.Empty, MerchantId = string.Empty, Settings = "{}", CreatedAt = now }).Entity;
            existing.PluginId = plugin!.Manifest.Id;
            existing.MerchantId = draft.MerchantId!.Trim();
            existing.Settings = StoredConnectorSettings.Serialize(prepared.Stored);
            existing.Paused = draft.Paused ?? existing.Paused;
            existing.Isolation = draft.Isolation is { } isolation ? Isolation.ConnectorIsolationNames.Name(isolation) : existing.Isolation;
            existing.SourceSystem = draft.SourceSystem ?? existing.SourceSystem;
            existing.Version++;
            existing.Revision = Guid.NewGuid();
            existing.UpdatedAt = now;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < MaxAttempts && ifMatch is null)
            {
                // Another request changed (or created) it in between: read it again and apply this one on top.
                await LostRaceAsync(attempt, cancellationToken);
                continue;
            }
            catch (DbUpdateException) when (ifMatch is not null)
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed);
            }

            LogChanged(logger, id, created ? "created" : "replaced", existing.PluginId, existing.Version);
            HostMetrics.ConnectorChanged(created ? "created" : "replaced");
            await ApplyHereAsync(cancellationToken);
            return new ChangeResult(created ? ChangeOutcome.Created : ChangeOutcome.Replaced, existing);
        }
    }

    public async Task<ChangeResult> DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken)
    {
        if (supervisor.IsDefinedInFile(id))
        {
            return new ChangeResult(ChangeOutcome.DefinedInFile);
        }

        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var existing = await db.ConnectorInstances.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
            if (existing is null)
            {
                return new ChangeResult(ChangeOutcome.NotFound);
            }

            if (ifMatch is not null && !Matches(existing, ifMatch))
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed, existing);
            }

            db.ConnectorInstances.Remove(existing);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts && ifMatch is null)
            {
                await LostRaceAsync(attempt, cancellationToken);
                continue;
            }
            catch (DbUpdateConcurrencyException) when (ifMatch is not null)
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed);
            }

            LogChanged(logger, id, "deleted", existing.PluginId, existing.Version);
            HostMetrics.ConnectorChanged("deleted");
            await ApplyHereAsync(cancellationToken);
            return new ChangeResult(ChangeOutcome.Deleted, existing);
        }
    }

    /// <summary>Pauses, resumes or restarts a connector, from the file or the API, on every replica.</summary>
    public async Task<ChangeResult> ControlAsync(string id, ConnectorControl control, CancellationToken cancellationToken)
    {
        var action = control.ToString().ToLowerInvariant();
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var now = timeProvider.GetUtcNow();
            ConnectorInstance? instance = null;
            if (supervisor.IsDefinedInFile(id))
            {
                var row = await db.ConnectorFileControls.SingleOrDefaultAsync(c => c.ConnectorId == id, cancellationToken)
                    ?? db.ConnectorFileControls.Add(new ConnectorFileControl { ConnectorId = id }).Entity;
                Apply(control, row.Paused, row.RestartGeneration, out var paused, out var generation);
                (row.Paused, row.RestartGeneration, row.Revision, row.UpdatedAt) = (paused, generation, Guid.NewGuid(), now);
                row.Version++;
            }
            else
            {
                instance = await db.ConnectorInstances.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
                if (instance is null)
                {
                    return new ChangeResult(ChangeOutcome.NotFound);
                }

                Apply(control, instance.Paused, instance.RestartGeneration, out var paused, out var generation);
                (instance.Paused, instance.RestartGeneration, instance.Revision, instance.UpdatedAt) = (paused, generation, Guid.NewGuid(), now);
                instance.Version++;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < MaxAttempts)
            {
                await LostRaceAsync(attempt, cancellationToken);
                continue;
            }

            LogControlled(logger, id, action);
            HostMetrics.ConnectorChanged(action);
            await ApplyHereAsync(cancellationToken);
            return new ChangeResult(ChangeOutcome.Updated, instance);
        }
    }

    /// <summary>
    /// Lets this replica apply the change before answering, waiting at most <see cref="ApplyWait"/>: a connector that
    /// is slow to start keeps starting in the background and the answer shows it pending.
    /// </summary>
    private async Task ApplyHereAsync(CancellationToken cancellationToken)
    {
        var sync = supervisor.SyncAsync(CancellationToken.None);
        try
        {
            await sync.WaitAsync(ApplyWait, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Still applying (a slow start); the status says pending until it is done.
        }
    }

    /// <summary>How long an API call waits for this replica to apply its change.</summary>
    internal static readonly TimeSpan ApplyWait = TimeSpan.FromSeconds(10);

    /// <summary>The ETag of a stored instance: its revision, quoted.</summary>
    public static string ETag(ConnectorInstance instance) => $"\"{instance.Revision:N}\"";

    /// <summary>The stored settings of <paramref name="instance"/>, or none when they cannot be read.</summary>
    public static Dictionary<string, string> StoredSettingsOrEmpty(ConnectorInstance instance)
    {
        try
        {
            return StoredConnectorSettings.Parse(instance.Settings);
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static void Apply(ConnectorControl control, bool paused, int generation, out bool newPaused, out int newGeneration)
    {
        (newPaused, newGeneration) = control switch
        {
            ConnectorControl.Pause => (true, generation),
            ConnectorControl.Resume => (false, generation),
            _ => (paused, generation + 1),
        };
    }

    private static bool Matches(ConnectorInstance? existing, string ifMatch)
    {
        if (ifMatch.Trim() == "*")
        {
            return existing is not null;
        }

        return existing is not null && ifMatch.Split(',').Select(t => t.Trim()).Any(t => t == ETag(existing) || t == "W/" + ETag(existing));
    }

    private async Task<bool> ExistsElsewhereAsync(string id, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        return await db.ConnectorInstances.AnyAsync(i => i.Id == id, cancellationToken);
    }

    private static ChangeResult Invalid(List<SettingError> errors) => new(ChangeOutcome.Invalid, Errors: errors);

    private static IEnumerable<SettingError> Prefixed(IReadOnlyList<SettingError>? errors) =>
        errors?.Select(e => e.Field == "settings" ? e : e with { Field = "settings." + e.Field }) ?? [];

    /// <summary>The id, plugin and merchant of a draft, checked; the plugin when it is installed.</summary>
    private (LoadedPlugin? Plugin, List<SettingError> Errors) CheckDraft(ConnectorDraft draft, string? id)
    {
        var errors = new List<SettingError>();
        if (!ConnectorManifest.IsValidId(id))
        {
            errors.Add(new SettingError("id", id is null
                ? "is required: a short name for this connector, used in its webhook URL, e.g. \"shop-webhook\""
                : "must be lower-case letters, digits and dashes (1–63 characters, not starting or ending with a dash), e.g. \"shop-webhook\""));
        }

        LoadedPlugin? plugin = null;
        if (string.IsNullOrWhiteSpace(draft.Plugin))
        {
            errors.Add(new SettingError("plugin", "is required: the id of an installed plugin (GET /api/connector-plugins lists them), e.g. \"generic-webhook\""));
        }
        else if (!catalog.Plugins.TryGetValue(draft.Plugin, out plugin))
        {
            var known = catalog.Plugins.Count == 0 ? "none are installed" : "installed: " + string.Join(", ", catalog.Plugins.Keys.Order(StringComparer.Ordinal));
            errors.Add(new SettingError("plugin", $"'{draft.Plugin}' is not installed; {known}"));
        }

        var merchant = draft.MerchantId?.Trim();
        if (string.IsNullOrEmpty(merchant) || merchant.Length > ConnectorDbContext.IdLength || merchant.Any(char.IsControl))
        {
            errors.Add(new SettingError("merchantId", "is required: the merchant whose stamp cards this connector's sales count towards (1–64 printable characters)"));
        }

        return (plugin, errors);
    }

    /// <summary>
    /// Checks settings for <paramref name="plugin"/> (references resolved, kept secrets decrypted) and works out what to
    /// store: plain values for ordinary settings, references as given, secrets encrypted. Secrets absent from
    /// <paramref name="given"/> keep their <paramref name="stored"/> value.
    /// </summary>
    private Prepared Prepare(LoadedPlugin plugin, string? connectorId, IReadOnlyDictionary<string, string?> given, IReadOnlyDictionary<string, string>? stored)
    {
        var definition = plugin.Connector.SettingsDefinition;
        var errors = new List<SettingError>();
        var flagged = new HashSet<string>(StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var toStore = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var (name, value) in stored ?? new Dictionary<string, string>())
        {
            if (definition.Find(name)?.Secret != true || given.ContainsKey(name))
            {
                continue;
            }

            toStore[name] = value;
            var (resolved, problem) = StoredConnectorSettings.Resolve(connectorId!, name, value, secrets, Environment.GetEnvironmentVariable);
            if (problem is not null)
            {
                errors.Add(new SettingError(name, problem + " (the value kept from the stored connector)"));
                flagged.Add(name);
            }
            else
            {
                values[name] = resolved;
            }
        }

        var toProtect = new List<string>();
        foreach (var (name, value) in given)
        {
            if (value is null)
            {
                continue;
            }

            if (StoredConnectorSettings.EnvironmentName(value) is { } variable)
            {
                toStore[name] = value;
                var resolved = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(resolved))
                {
                    errors.Add(new SettingError(name, $"refers to environment variable {variable}, which is not set on this host; set it on every replica, or give the value itself"));
                    flagged.Add(name);
                }
                else
                {
                    values[name] = resolved;
                }

                continue;
            }

            values[name] = value;
            if (definition.Find(name)?.Secret == true)
            {
                if (!secrets.CanEncrypt)
                {
                    errors.Add(new SettingError(name, NoSecretsKey));
                    flagged.Add(name);
                }
                else
                {
                    toProtect.Add(name);
                }
            }
            else
            {
                toStore[name] = value;
            }
        }

        try
        {
            var result = ConnectorValidation.Validate(plugin.Connector, SettingStandIns.With(definition, values, flagged));
            errors.AddRange(result.Errors.Where(e => !flagged.Contains(e.Field)));
            if (result.IsValid && FolderClaims.Conflict(FolderClaims.Of(plugin, values), supervisor.FoldersInUse(connectorId)) is { } conflict)
            {
                errors.Add(conflict);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            errors.Add(new SettingError("settings", $"the plugin threw while validating its settings: {ex.GetType().Name}"));
        }

        if (errors.Count == 0 && connectorId is not null)
        {
            foreach (var name in toProtect)
            {
                toStore[name] = secrets.Protect(connectorId, name, values[name]!);
            }
        }

        return new Prepared([.. errors.OrderBy(e => e.Field, StringComparer.Ordinal)], toStore);
    }

    private sealed record Prepared(IReadOnlyList<SettingError> Errors, Dictionary<string, string> Stored);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Connector {ConnectorId} {Change} through the management API (plugin {PluginId}, version {Version})")]
    private static partial void LogChanged(ILogger logger, string connectorId, string change, string pluginId, long version);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Connector {ConnectorId}: {Control} requested through the management API")]
    private static partial void LogControlled(ILogger logger, string connectorId, string control);
}
