using System.Reflection;
using System.Text.RegularExpressions;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using YamlDotNet.RepresentationModel;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// No Docker engine runs here, so the Dockerfile and the compose file are checked against the host itself: every
/// setting they pass is one the host reads, ports agree, the health check's URL exists, the plugin and connector
/// paths match. (docker/build-outside-docker.sh reproduces the image's build and publish steps in CI.)
/// </summary>
public sealed partial class DockerFilesTests
{
    private static readonly string Docker = Path.Combine(RepositoryRoot.Path, "docker");

    [Fact]
    public void ComposeAndDockerfile_EverySettingTheyPass_IsOneTheHostReads()
    {
        var settings = ComposeHostEnvironment().Keys.Concat(DockerfileEnvironment().Keys).Where(k => k.StartsWith("SevenStamp__", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(settings);
        Assert.All(settings, key => Assert.True(IsHostSetting(key), $"{key} is not a setting of the host"));
    }

    [Fact]
    public void ComposeFile_EveryOtherVariableGivenToTheHost_IsUsedByTheMountedConnectorFileOrAspNetCore()
    {
        var connectors = File.ReadAllText(Path.Combine(Docker, "connectors.example.json"));
        var others = ComposeHostEnvironment().Keys.Where(k => !k.StartsWith("SevenStamp__", StringComparison.Ordinal) && !k.StartsWith("ASPNETCORE_", StringComparison.Ordinal));

        Assert.All(others, key => Assert.Contains("${env:" + key + "}", connectors, StringComparison.Ordinal));
    }

    [Fact]
    public void ComposeFile_Host_RunsOnPostgreSqlWithTheServicesItWaitsFor()
    {
        var environment = ComposeHostEnvironment();
        var dependsOn = ((YamlMappingNode)ComposeService("host").Children[new YamlScalarNode("depends_on")]).Children.Keys.Select(k => k.ToString()).ToList();

        Assert.Equal("PostgreSql", environment["SevenStamp__Database__Provider"]);
        Assert.Contains("Host=postgres;", environment["SevenStamp__Database__ConnectionString"], StringComparison.Ordinal);
        Assert.Contains("@rabbitmq:5672/", environment["SevenStamp__Bus__RabbitMqUri"], StringComparison.Ordinal);
        Assert.Equal(["postgres", "rabbitmq"], dependsOn.Order(StringComparer.Ordinal));
        Assert.All(new[] { "postgres", "rabbitmq" }, s => Assert.True(ComposeService(s).Children.ContainsKey(new YamlScalarNode("healthcheck")), $"{s} has no health check"));
    }

    [Fact]
    public void ComposeAndDockerfile_Ports_Agree()
    {
        var urls = DockerfileEnvironment()["ASPNETCORE_URLS"];
        var port = Regex.Match(urls, @":(\d+)$").Groups[1].Value;
        var dockerfile = File.ReadAllText(Path.Combine(Docker, "host.Dockerfile"));

        Assert.Contains($"EXPOSE {port}", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"/dev/tcp/127.0.0.1/{port}", dockerfile, StringComparison.Ordinal);
        var published = (YamlSequenceNode)ComposeService("host").Children[new YamlScalarNode("ports")];
        Assert.Contains(published.Children.Select(p => p.ToString()), p => p.EndsWith(":" + port, StringComparison.Ordinal));
    }

    [Fact]
    public void HealthCheck_Url_IsOneTheHostServesAndThePathsMatchTheMounts()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Docker, "host.Dockerfile"));
        var environment = DockerfileEnvironment();
        var volumes = ((YamlSequenceNode)ComposeService("host").Children[new YamlScalarNode("volumes")]).Children.Select(v => v.ToString()).ToList();

        Assert.Contains("GET /health/ready", dockerfile, StringComparison.Ordinal);
        Assert.Contains("/health/ready", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host", "SevenStamp.Connectors.Host", "Health", "HealthServiceCollectionExtensions.cs")), StringComparison.Ordinal);
        Assert.Equal("/app/plugins", environment["SevenStamp__PluginRoot"]);
        Assert.Contains("-o /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains(volumes, v => v.EndsWith(":" + environment["SevenStamp__ConnectorsFile"] + ":ro", StringComparison.Ordinal));
        Assert.Contains(volumes, v => v.EndsWith(":/data", StringComparison.Ordinal));
        Assert.Contains(volumes, v => v.EndsWith(":" + ComposeHostEnvironment()["SevenStamp__AdditionalPluginRoot"] + ":ro", StringComparison.Ordinal));
        Assert.Contains("/app/plugins-extra", dockerfile, StringComparison.Ordinal);
        Assert.Contains("/data/", environment["SevenStamp__Database__ConnectionString"], StringComparison.Ordinal);
    }

    [Fact]
    public void ExampleConnectorFile_Read_IsValidAndNamesBundledPlugins()
    {
        var (connectors, errors) = ConnectorConfigurationFile.Load(Path.Combine(Docker, "connectors.example.json"), name => "a-secret-value-from-the-environment");

        var bundled = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "plugins"), ConnectorManifest.FileName, SearchOption.AllDirectories)
            .Select(f => ConnectorManifest.Parse(File.ReadAllText(f), f).Id)
            .ToList();

        Assert.Empty(errors);
        Assert.NotEmpty(connectors);
        Assert.All(connectors, c => Assert.Contains(c.PluginId, bundled));
    }

    private static bool IsHostSetting(string key)
    {
        var path = key.Split("__");
        if (path.Length < 2 || path[0] != "SevenStamp")
        {
            return false;
        }

        Type type = path[1] == "Database" ? typeof(LoyaltyStoreOptions) : typeof(SevenStampOptions);
        foreach (var segment in path.Skip(path[1] == "Database" ? 2 : 1))
        {
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }

    private static Dictionary<string, string> ComposeHostEnvironment()
    {
        var environment = (YamlMappingNode)ComposeService("host").Children[new YamlScalarNode("environment")];
        return environment.Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
    }

    private static YamlMappingNode ComposeService(string name)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Docker, "docker-compose.yml"));
        yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return (YamlMappingNode)services.Children[new YamlScalarNode(name)];
    }

    /// <summary>The ENV of the Dockerfile's final stage (KEY=value pairs, continued lines joined).</summary>
    private static Dictionary<string, string> DockerfileEnvironment()
    {
        var text = File.ReadAllText(Path.Combine(Docker, "host.Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        var finalStage = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        return EnvLine().Matches(finalStage)
            .SelectMany(m => EnvPair().Matches(m.Groups[1].Value))
            .ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value.Trim('"'));
    }

    [GeneratedRegex(@"^ENV (.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvLine();

    [GeneratedRegex("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)")]
    private static partial Regex EnvPair();
}
