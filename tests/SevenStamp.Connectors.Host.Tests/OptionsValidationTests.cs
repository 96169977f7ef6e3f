using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The host refuses to start on a bad setting anywhere in its options, nested sections included, and names the
/// setting as the operator writes it (<c>SevenStamp:Bus:PrefetchCount</c>), every problem at once.
/// </summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task StartAsync_PrefetchCountZero_FailsNamingSevenStampBusPrefetchCount()
    {
        // Arrange
        var settings = new Dictionary<string, string?> { ["SevenStamp:Bus:PrefetchCount"] = "0" };

        // Act
        var failure = await StartFailureAsync(settings);

        // Assert
        Assert.NotNull(failure);
        Assert.Contains("SevenStamp:Bus:PrefetchCount", failure.Message, StringComparison.Ordinal);
        Assert.Contains("between 1 and 10000", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>One bad value per nested options class (and the top level), each expected to be named.</summary>
    [Theory]
    [InlineData("SevenStamp:Bus:DeliveryLimit", "1")]
    [InlineData("SevenStamp:Bus:RedeliveryLimit", "101")]
    [InlineData("SevenStamp:Bus:PublishTimeout", "00:00:00")]
    [InlineData("SevenStamp:Bus:RedeliveryDelay", "-00:00:01")]
    [InlineData("SevenStamp:Bus:QueueMetricsInterval", "00:00:00")]
    [InlineData("SevenStamp:Bus:RabbitMqUri", "http://broker:5672/")]
    [InlineData("SevenStamp:Webhooks:MaxBodyBytes", "10")]
    [InlineData("SevenStamp:Webhooks:Timeout", "00:00:00")]
    [InlineData("SevenStamp:Demo:StopAfter", "-00:00:05")]
    [InlineData("SevenStamp:Api:AdminKey", "an admin key with spaces")]
    [InlineData("SevenStamp:Connectors:PollInterval", "00:00:00")]
    [InlineData("SevenStamp:Vouchers:LinkSecret", "too-short")]
    [InlineData("SevenStamp:Database:ConnectionString", " ")]
    [InlineData("SevenStamp:ConnectorStartTimeout", "00:00:00")]
    [InlineData("SevenStamp:ConnectorRestartDelay", "-00:00:01")]
    [InlineData("SevenStamp:CircuitBreakerOpenFor", "00:00:00")]
    [InlineData("SevenStamp:Scanner:KioskStampInterval", "00:00:30")]
    [InlineData("SevenStamp:Vouchers:ExpirySweepInterval", "00:00:00")]
    public async Task StartAsync_InvalidSettingInAnyOptionsClass_FailsNamingTheSetting(string setting, string value)
    {
        // Arrange
        var settings = new Dictionary<string, string?> { [setting] = value };

        // Act
        var failure = await StartFailureAsync(settings);

        // Assert
        Assert.NotNull(failure);
        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SeveralInvalidNestedSettings_ReportsEveryOne()
    {
        // Arrange
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:PrefetchCount"] = "0",
            ["SevenStamp:Webhooks:MaxBodyBytes"] = "10",
            ["SevenStamp:Vouchers:LinkSecret"] = "too-short",
        };

        // Act
        var failure = await StartFailureAsync(settings);

        // Assert
        Assert.NotNull(failure);
        Assert.Contains("SevenStamp:Bus:PrefetchCount", failure.Message, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Webhooks:MaxBodyBytes", failure.Message, StringComparison.Ordinal);
        Assert.Contains("SevenStamp:Vouchers:LinkSecret", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidSettings_Starts()
    {
        // Arrange
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:PrefetchCount"] = "64",
            ["SevenStamp:Vouchers:LinkSecret"] = "a-link-secret-of-at-least-32-characters",
            ["SevenStamp:Api:AdminKey"] = "demo-admin-key",
        };

        // Act
        var failure = await StartFailureAsync(settings);

        // Assert
        Assert.Null(failure);
    }

    /// <summary>Starts a host with <paramref name="settings"/> on top of a working base; returns the start's validation failure, or null when it started.</summary>
    private static async Task<OptionsValidationException?> StartFailureAsync(Dictionary<string, string?> settings)
    {
        await using var database = await TestDatabase.CreateAsync(Loyalty.LoyaltyStoreProvider.Sqlite);
        var directory = Directory.CreateTempSubdirectory("sevenstamp-options-");
        try
        {
            var configuration = new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:ConnectorsFile"] = Path.Combine(directory.FullName, "connectors.json"),
                ["SevenStamp:PluginRoot"] = TestPaths.BundledPlugins,
                ["SevenStamp:Database:Provider"] = "Sqlite",
                ["SevenStamp:Database:ConnectionString"] = database.ConnectionString,
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                configuration[key] = value;
            }

            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "connectors.json"), """{ "connectors": [] }""");
            WebApplication app;
            try
            {
                app = HostApp.Build([], builder =>
                {
                    builder.Configuration.AddInMemoryCollection(configuration);
                    builder.WebHost.UseUrls("http://127.0.0.1:0");
                });
            }
            catch (OptionsValidationException ex)
            {
                // Settings the host is wired from are checked while it is built.
                return ex;
            }

            await using (app)
            {
                try
                {
                    await app.StartAsync();
                }
                catch (OptionsValidationException ex)
                {
                    return ex;
                }

                await app.StopAsync();
                return null;
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
