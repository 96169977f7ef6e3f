using System.Text.Json;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>An installed connector plugin and the settings its connectors take.</summary>
public sealed record ConnectorPluginView(string Id, string Name, string Version, string SdkVersion, IReadOnlyList<SettingSchemaView> Settings);

/// <summary>One setting of a plugin's schema; <see cref="Default"/> is never shown for a secret.</summary>
public sealed record SettingSchemaView(string Name, string Type, bool Required, bool Secret, string? Default, string Description, IReadOnlyList<string>? AllowedValues);

/// <summary>The answer of <c>PUT /api/connector-plugins/{pluginId}/config/validate</c>.</summary>
public sealed record SettingsValidationView(string Plugin, int ErrorCount, IReadOnlyList<FieldErrorView> Errors);

public sealed record FieldErrorView(string Field, string Message);

/// <summary>
/// A connector to create or replace. <see cref="Settings"/> values are strings, numbers, booleans, arrays or objects,
/// or <c>${env:NAME}</c> references; secrets are write-only. <see cref="Isolation"/> is <c>in-process</c> (the
/// default) or <c>process</c> (a worker process of its own), as in the connectors file. <see cref="SourceSystem"/>
/// names the point-of-sale system the sales come from (e.g. <c>square</c>): connectors that see the same till give
/// the same name, so each sale is stamped once.
/// </summary>
public sealed record ConnectorRequest(string? Id, string Plugin, string MerchantId, IReadOnlyDictionary<string, JsonElement>? Settings, bool? Paused, string? Isolation, string? SourceSystem);

/// <summary>
/// A connector's configuration and status. <see cref="Settings"/> holds the non-secret values only;
/// <see cref="SecretsSet"/> names the secrets that have a value.
/// </summary>
public sealed record ConnectorView(
    string Id,
    string Plugin,
    string MerchantId,
    string Source,
    bool Paused,
    string Isolation,
    string SourceSystem,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyList<string> SecretsSet,
    long? Version,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    ConnectorStatusView Status);

/// <summary>
/// What a connector is doing on the replica that answered: <see cref="State"/> is running, paused, pending, failed
/// (with <see cref="Reason"/>), disabled or stopped.
/// </summary>
public sealed record ConnectorStatusView(
    string Id,
    string State,
    string? Reason,
    IReadOnlyList<FieldErrorView> SettingErrors,
    long EventsIn,
    long RecordsOut,
    long SignatureFailures,
    long Ignored,
    long Invalid,
    long Failures,
    DateTimeOffset? LastEventAt,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? StartedAt,
    int RestartAttempts,
    DateTimeOffset? NextRestartAt,
    DateTimeOffset? CircuitOpenUntil);

public sealed record ConfigurationErrorView(string? Connector, string Field, string Message);

public sealed record ConnectorListView(IReadOnlyList<ConnectorView> Connectors, IReadOnlyList<ConfigurationErrorView> ConfigurationErrors);

/// <summary>A webhook to try on a connector: the body exactly as the POS sends it, and its headers (signature included).</summary>
public sealed record DryRunRequest(string Body, IReadOnlyDictionary<string, string>? Headers);

/// <summary>
/// What a webhook would have done: <see cref="Outcome"/> is accepted, duplicate, ignored, unauthorized, invalid or
/// unavailable; <see cref="Sales"/> and <see cref="Refunds"/> are the records a live delivery would publish;
/// <see cref="Errors"/> name each problem's field (signature, body, a record's field, settings.*, connector).
/// </summary>
public sealed record DryRunView(
    string Connector,
    string Outcome,
    string Message,
    IReadOnlyList<SevenStamp.Contracts.SaleCompleted> Sales,
    IReadOnlyList<SevenStamp.Contracts.SaleRefunded> Refunds,
    IReadOnlyList<FieldErrorView> Errors);
