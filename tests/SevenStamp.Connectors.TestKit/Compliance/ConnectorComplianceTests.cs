using System.Text.RegularExpressions;
using SevenStamp.Connectors.Sdk;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite every connector passes. A connector's test project derives one class per configuration it
/// wants checked, usually in one line (<c>public sealed class MyComplianceTests : ConnectorComplianceTests&lt;MyConnector&gt;;</c>):
/// valid settings are derived from the connector's declared schema (<see cref="ComplianceSettings"/>). The suite checks
/// the settings schema, the validation a merchant sees, the task's lifecycle (cancellation, stopping, no publishing
/// after a stop) and that no secret reaches a log line. Nothing here assumes webhooks, so a polling connector
/// derives from this class directly (and creates any fake server it needs in <see cref="InitializeAsync"/>);
/// webhook connectors derive from <see cref="WebhookConnectorComplianceTests{TConnector}"/>, and connectors that read
/// files a POS drops into a folder from <see cref="FileDropConnectorComplianceTests"/>. Every member a check reads is
/// virtual: a connector that needs more (a fake server, a mapping) overrides it.
/// </summary>
public abstract partial class ConnectorComplianceTests : IAsyncLifetime
{
    /// <summary>Values that must never make validation throw, whatever the setting.</summary>
    public static readonly IReadOnlyList<string?> GarbageValues =
    [
        null, string.Empty, " ", "\0", "\r\n", "-1", "0", "NaN", "Infinity", "1e400", "999999999999999999999999999999",
        "{", "[1,2", "{\"a\":", "[]", "{}", "null", "true", "'; DROP TABLE connectors; --", "../../../etc/passwd",
        "http://", "https://exa mple.com", "ftp://example.com", "💥\u202e", new string('x', 10_000), new string('[', 1_000),
        "{json:$.x}", "{unknown}", "$..*", "$[?(@.a)]", "-5m", "0s", "99999999h",
    ];

    /// <summary>A secret-looking value: validation messages must never echo it back.</summary>
    public const string SecretProbe = "S3cret-Probe-Value-must-never-echo-7Qx";

    /// <summary>Creates the connector under test (a new instance each call, as the host would load it).</summary>
    protected abstract IPosConnector CreateConnector();

    /// <summary>
    /// Settings that are valid for this configuration, as a merchant would write them. By default derived from the
    /// schema: a generated value for each required setting and each current secret, defaults for the rest, and
    /// <see cref="GivenSettings"/> on top.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string?> ValidSettings() =>
        ComplianceSettings.Generate(CreateConnector().SettingsDefinition, GivenSettings);

    /// <summary>Settings a merchant would have to choose, given on top of the generated ones; none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string?> GivenSettings => new Dictionary<string, string?>();

    /// <summary>
    /// <see cref="ValidSettings"/> with every secret setting filled, the old secret of a rotation included: what the
    /// no-secret-in-logs checks run with.
    /// </summary>
    protected IReadOnlyDictionary<string, string?> SettingsWithEverySecret()
    {
        var definition = CreateConnector().SettingsDefinition;
        var values = new Dictionary<string, string?>(ValidSettings(), StringComparer.Ordinal);
        foreach (var pair in ComplianceSettings.RotationPairs(definition).Where(p => !values.ContainsKey(p.Previous)))
        {
            values[pair.Previous] = ComplianceSettings.PreviousSecretValue;
        }

        return values;
    }

    /// <summary>The values of the secret settings in <paramref name="settings"/>: none may appear in a log line.</summary>
    protected IReadOnlyList<string> SecretValues(IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return [.. CreateConnector().SettingsDefinition.Where(d => d.Secret)
            .Select(d => settings.GetValueOrDefault(d.Name))
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .Select(v => v!.Trim())];
    }

    /// <summary>Fails naming the line when a log line holds one of <paramref name="secrets"/>.</summary>
    protected static void AssertNoSecretLogged(LineLogger logger, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(secrets);
        var values = secrets.ToList();
        foreach (var line in logger.Lines)
        {
            foreach (var secret in values)
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"A log line holds the value of a secret setting: {line.Replace(secret, "<secret>", StringComparison.Ordinal)}");
            }
        }
    }

    /// <summary>
    /// Settings a merchant must give, each reported by name when missing. By default the schema's required settings;
    /// a connector whose rules need a value the schema cannot mark required (e.g. a secret unless unsigned) adds it.
    /// </summary>
    protected virtual IEnumerable<string> SettingsThatMustBeGiven() =>
        CreateConnector().SettingsDefinition.Where(d => d.Required).Select(d => d.Name);

    /// <summary>True when a setting's name says it holds a secret, so the schema must mark it secret.</summary>
    protected virtual bool LooksSecret(string settingName) => SecretName().IsMatch(settingName);

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what <see cref="InitializeAsync"/> created (fake servers, folders).</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    /// <summary>Validates like the host and creates a task over a recording sink, an in-memory store and a line logger.</summary>
    protected virtual ConnectorUnderTest Create(IReadOnlyDictionary<string, string?> settings, TimeProvider? timeProvider = null)
    {
        var connector = CreateConnector();
        var result = ConnectorValidation.Validate(connector, settings);
        Assert.True(result.IsValid, "The settings should be valid: " + string.Join("; ", result.Errors));
        var sink = new RecordingSink { NormalizeLikeTheHost = true };
        var store = new InMemoryConnectorStore();
        var logger = new LineLogger();
        var context = new ConnectorContext(ConnectorHarness.ConnectorId, ConnectorHarness.MerchantId, result.Settings!, sink, logger, timeProvider ?? TimeProvider.System, store);
        return new ConnectorUnderTest(connector.CreateTask(context), sink, store, logger);
    }

    [Fact]
    public void SettingsSchema_Declared_IsWellFormed()
    {
        var definition = CreateConnector().SettingsDefinition;

        Assert.NotEmpty(definition);
        Assert.Equal(definition.Count, definition.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var setting in definition)
        {
            Assert.True(Regex.IsMatch(setting.Name, "^[a-z][A-Za-z0-9]*$"), $"Setting '{setting.Name}' should be a camelCase name a merchant can type.");
            Assert.True(setting.Description.Length >= 10, $"Setting '{setting.Name}' needs a description that tells the merchant what to fill in.");
            Assert.False(setting.Required && setting.DefaultValue is not null, $"Setting '{setting.Name}' is required and has a default; one of the two is wrong.");
            if (LooksSecret(setting.Name))
            {
                Assert.True(setting.Secret, $"Setting '{setting.Name}' looks like a secret and must be marked secret (never shown or logged).");
            }

            if (setting.Secret)
            {
                Assert.Null(setting.DefaultValue);
                Assert.Equal(SettingType.String, setting.Type);
            }
        }
    }

    [Fact]
    public void ValidateSettings_DefaultsAndTheValidSettings_Pass()
    {
        var connector = CreateConnector();

        var result = ConnectorValidation.Validate(connector, ValidSettings());

        Assert.True(result.IsValid, "Valid settings were refused: " + string.Join("; ", result.Errors));
        foreach (var setting in connector.SettingsDefinition.Where(d => d.DefaultValue is not null && !ValidSettings().ContainsKey(d.Name)))
        {
            // Writing the default explicitly must be as valid as leaving it out.
            var explicitDefault = new Dictionary<string, string?>(ValidSettings()) { [setting.Name] = setting.DefaultValue };
            var withDefault = ConnectorValidation.Validate(connector, explicitDefault);
            Assert.True(withDefault.IsValid, $"The default of '{setting.Name}' is refused: " + string.Join("; ", withDefault.Errors));
        }
    }

    [Fact]
    public void ValidateSettings_EachMissingRequiredSetting_IsReportedByName()
    {
        var connector = CreateConnector();
        var required = SettingsThatMustBeGiven().ToList();

        foreach (var name in required)
        {
            var values = ValidSettings().Where(kv => kv.Key != name).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var errors = ConnectorValidation.Validate(connector, values).Errors;
            // The error names the setting, or a part of it (mapping.currency for a mapping without a currency).
            Assert.True(errors.Any(e => Names(e, name)), $"Leaving out '{name}' should give an error naming it; got: {string.Join("; ", errors)}");
            Assert.All(errors.Where(e => Names(e, name)), e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        }

        var none = ConnectorValidation.Validate(connector, new Dictionary<string, string?>());
        foreach (var name in connector.SettingsDefinition.Where(d => d.Required).Select(d => d.Name))
        {
            Assert.Contains(none.Errors, e => e.Field == name);
        }
    }

    [Fact]
    public void ValidateSettings_IllTypedValues_AreReportedByName()
    {
        var connector = CreateConnector();
        var typed = connector.SettingsDefinition.Where(d => d.Type is not (SettingType.String or SettingType.List)).ToList();

        foreach (var setting in typed)
        {
            var values = new Dictionary<string, string?>(ValidSettings()) { [setting.Name] = setting.Type == SettingType.Json ? "{ not json" : "not-a-value ☃" };
            var result = ConnectorValidation.Validate(connector, values);
            Assert.False(result.IsValid, $"'{setting.Name}' ({setting.Type}) accepted an ill-typed value.");
            Assert.Contains(result.Errors, e => e.Field == setting.Name);
        }

        var unknown = new Dictionary<string, string?>(ValidSettings()) { ["noSuchSettingXyz"] = "1" };
        Assert.Contains(ConnectorValidation.Validate(connector, unknown).Errors, e => e.Field == "noSuchSettingXyz");
    }

    [Fact]
    public void ValidateSettings_Garbage_NeverThrowsAndNeverEchoesASecret()
    {
        var connector = CreateConnector();
        var problems = new List<string>();

        foreach (var setting in connector.SettingsDefinition)
        {
            foreach (var garbage in GarbageValues.Append(SecretProbe))
            {
                var values = new Dictionary<string, string?>(ValidSettings()) { [setting.Name] = garbage };
                try
                {
                    var result = ConnectorValidation.Validate(connector, values);
                    if (!result.IsValid && result.Errors.Any(e => string.IsNullOrWhiteSpace(e.Field) || string.IsNullOrWhiteSpace(e.Message)))
                    {
                        problems.Add($"{setting.Name}: an error without a field or message");
                    }

                    if (setting.Secret && result.Errors.Any(e => e.Message.Contains(SecretProbe, StringComparison.Ordinal)))
                    {
                        problems.Add($"{setting.Name}: an error message repeats the secret value");
                    }

                    if (result.IsValid)
                    {
                        // Whatever validates must also start: the host creates a task from it.
                        var context = new ConnectorContext(ConnectorHarness.ConnectorId, ConnectorHarness.MerchantId, result.Settings!, new RecordingSink(), new LineLogger(), TimeProvider.System);
                        _ = connector.CreateTask(context);
                    }
                }
                catch (Exception ex)
                {
                    problems.Add($"{setting.Name}={Describe(garbage)}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
    }

    [Fact]
    public async Task StartStopDispose_CancelledOrRepeated_HonourCancellationAndAreIdempotent()
    {
        var deadline = TimeSpan.FromSeconds(60);
        await using (var connector = Create(ValidSettings()))
        {
            using var running = new CancellationTokenSource();
            await connector.Task.StartAsync(running.Token).WaitAsync(deadline);

            // The host cancels its token, then stops with a grace period; a second stop is harmless.
            await running.CancelAsync();
            await connector.Task.StopAsync(CancellationToken.None).WaitAsync(deadline);
            await connector.Task.StopAsync(CancellationToken.None).WaitAsync(deadline);
            await connector.Task.DisposeAsync().AsTask().WaitAsync(deadline);
            await connector.Task.DisposeAsync().AsTask().WaitAsync(deadline);
        }

        await using (var connector = Create(ValidSettings()))
        {
            // A stop whose grace period is already over returns (or gives up) promptly instead of hanging.
            await connector.Task.StartAsync(CancellationToken.None).WaitAsync(deadline);
            using var expired = new CancellationTokenSource();
            await expired.CancelAsync();
            try
            {
                await connector.Task.StopAsync(expired.Token).WaitAsync(deadline);
            }
            catch (OperationCanceledException)
            {
                // Giving up on an expired grace period is allowed.
            }
        }

        // Created but never started (the host failed before starting it): disposal still works.
        var unstarted = Create(ValidSettings());
        await unstarted.Task.StopAsync(CancellationToken.None).WaitAsync(deadline);
        await unstarted.DisposeAsync().AsTask().WaitAsync(deadline);
    }

    [Fact]
    public async Task StopAsync_RunningTask_PublishesNothingAfterItReturns()
    {
        var deadline = TimeSpan.FromSeconds(60);
        await using var connector = Create(ValidSettings());
        using var running = new CancellationTokenSource();
        await connector.Task.StartAsync(running.Token).WaitAsync(deadline);

        // Let any background work get going, then stop it as the host does: cancel, then stop with a grace period.
        await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        await running.CancelAsync();
        await connector.Task.StopAsync(CancellationToken.None).WaitAsync(deadline);
        connector.Sink.Close();

        // A loop that outlived its stop would publish again within a few of its rounds.
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        Assert.True(connector.Sink.RecordsAfterClose.Count == 0, $"{connector.Sink.RecordsAfterClose.Count} record(s) were published after StopAsync returned.");
    }

    [Fact]
    public async Task StartStop_EverySecretSet_LogsNoSecret()
    {
        var settings = SettingsWithEverySecret();
        var deadline = TimeSpan.FromSeconds(60);

        await using (var connector = Create(settings))
        {
            await connector.Task.StartAsync(CancellationToken.None).WaitAsync(deadline);
            await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
            await connector.Task.StopAsync(CancellationToken.None).WaitAsync(deadline);
            AssertNoSecretLogged(connector.Logger, SecretValues(settings));
        }
    }

    private static bool Names(SettingError error, string setting) =>
        error.Field == setting || error.Field.StartsWith(setting + ".", StringComparison.Ordinal);

    private static string Describe(string? value) => value is null ? "<null>" : value.Length > 20 ? value[..20] + "…" : value;

    [GeneratedRegex("(secret|token|password|apikey|signaturekey|signingkey|privatekey)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
