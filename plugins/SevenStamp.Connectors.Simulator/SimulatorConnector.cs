using System.Text.RegularExpressions;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Simulator;

/// <summary>A simulated point of sale that produces sales on a timer.</summary>
public sealed partial class SimulatorConnector : IPosConnector
{
    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("interval", SettingType.Duration, "Time between two sales, e.g. 500ms or 2s.", defaultValue: "1s")
        .Define("customers", SettingType.Integer, "How many different customers shop (1–100000).", defaultValue: "5")
        .Define("maxSales", SettingType.Integer, "Stop after this many sales; unset runs until the host stops.")
        .Define("duplicateEvery", SettingType.Integer, "Deliver every Nth sale twice, as a POS retrying a webhook would; 0 never.", defaultValue: "0")
        .Define("anonymousEvery", SettingType.Integer, "Make every Nth sale anonymous (no customer); 0 never.", defaultValue: "0")
        .Define("currency", SettingType.String, "ISO 4217 currency of the sales.", defaultValue: "EUR")
        .Define("locationId", SettingType.String, "The simulated store's location id.", defaultValue: "sim-store-1")
        .Define("seed", SettingType.Integer, "Random seed, for repeatable runs; unset picks one.");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GetDuration("interval") < TimeSpan.FromMilliseconds(1))
        {
            yield return new SettingError("interval", "must be at least 1ms");
        }

        if (settings.GetInteger("customers") is not (>= 1 and <= 100_000))
        {
            yield return new SettingError("customers", "must be between 1 and 100000");
        }

        if (settings.GetInteger("maxSales") is < 0)
        {
            yield return new SettingError("maxSales", "must not be negative");
        }

        foreach (var name in new[] { "duplicateEvery", "anonymousEvery" })
        {
            if (settings.GetInteger(name) is < 0)
            {
                yield return new SettingError(name, "must be 0 (never) or a positive number");
            }
        }

        if (!CurrencyPattern().IsMatch(settings.GetString("currency") ?? string.Empty))
        {
            yield return new SettingError("currency", "must be a three-letter ISO 4217 code in capitals, e.g. EUR");
        }
    }

    public IConnectorTask CreateTask(ConnectorContext context) => new SimulatorTask(context);

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();
}
