using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using YamlDotNet.RepresentationModel;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// No Docker engine runs here, so the Dockerfile and the compose file are checked against the host itself: every
/// setting they pass is one the host reads, ports agree, the health check's URL exists, the plugin and connector
/// paths match. (docker/build-outside-docker.sh reproduces the image's build and publish steps in CI.) The cluster
/// layout (docker-compose.cluster.yml) likewise: three replicas with one environment, the broker nodes, their cookie
/// and rabbitmq.conf, and the load balancer's haproxy.cfg naming every replica.
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

    [Fact]
    public void ClusterComposeFile_EverySettingOfTheReplicas_IsOneTheHostReadsOrTheConnectorFileUses()
    {
        var connectors = File.ReadAllText(Path.Combine(Docker, "connectors.example.json"));

        Assert.All(ClusterReplicas(), replica =>
        {
            var environment = ClusterEnvironment(replica.Value);
            Assert.Contains(environment.Keys, k => k.StartsWith("SevenStamp__", StringComparison.Ordinal));
            Assert.All(environment.Keys.Where(k => k.StartsWith("SevenStamp__", StringComparison.Ordinal)), key => Assert.True(IsHostSetting(key), $"{replica.Key}: {key} is not a setting of the host"));
            Assert.All(
                environment.Keys.Where(k => !k.StartsWith("SevenStamp__", StringComparison.Ordinal) && !k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)),
                key => Assert.True(connectors.Contains("${env:" + key + "}", StringComparison.Ordinal), $"{replica.Key}: {key} is used neither by the host nor by the mounted connector file"));
        });
    }

    [Fact]
    public void ClusterComposeFile_Replicas_AreThreeWithOneEnvironmentAndTheSecretsRequired()
    {
        var replicas = ClusterReplicas();
        var first = ClusterEnvironment(replicas[0].Value);

        Assert.Equal(3, replicas.Count);
        Assert.All(replicas, r => Assert.True(
            first.OrderBy(e => e.Key, StringComparer.Ordinal).SequenceEqual(ClusterEnvironment(r.Value).OrderBy(e => e.Key, StringComparer.Ordinal)),
            $"{r.Key}'s environment differs from {replicas[0].Key}'s: every replica needs the same settings and secrets"));
        Assert.All(replicas, r => Assert.Equal(Scalars(replicas[0].Value, "volumes"), Scalars(r.Value, "volumes")));
        Assert.All(replicas, r => Assert.Equal(Scalar(replicas[0].Value, "image"), Scalar(r.Value, "image")));
        foreach (var secret in new[] { "SevenStamp__Api__AdminKey", "SevenStamp__Vouchers__LinkSecret", "SevenStamp__Connectors__SecretsKey" })
        {
            Assert.True(first.TryGetValue(secret, out var value), $"The replicas do not set {secret}");
            Assert.Matches(RequiredVariable(), value);
        }

        Assert.Equal("PostgreSql", first["SevenStamp__Database__Provider"]);
        Assert.Contains("Host=postgres;", first["SevenStamp__Database__ConnectionString"], StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterComposeFile_RabbitMqNodes_NameEveryBrokerServiceAtItsAmqpPort()
    {
        var environment = ClusterEnvironment(ClusterReplicas()[0].Value);
        var brokers = ClusterBrokers().Select(b => b.Key).ToList();
        var conf = File.ReadAllText(Path.Combine(Docker, "rabbitmq.conf"));
        var amqpPort = RabbitListener().Match(conf) is { Success: true } listener ? int.Parse(listener.Groups[1].Value, CultureInfo.InvariantCulture) : 5672;

        var endpoint = RabbitMqEndpoint.Parse(Interpolate(environment["SevenStamp__Bus__RabbitMqUri"]), Interpolate(environment["SevenStamp__Bus__RabbitMqNodes"]));

        Assert.Equal(3, brokers.Count);
        Assert.Equal(brokers.Order(StringComparer.Ordinal), endpoint.Nodes.Select(n => n.Host).Order(StringComparer.Ordinal));
        Assert.All(endpoint.Nodes, n => Assert.Equal(amqpPort, n.Port));
        Assert.Contains(endpoint.Host, brokers);
    }

    [Fact]
    public void ClusterComposeFile_BrokerNodes_ShareTheCookieAndTheMountedConfListsThemAll()
    {
        var brokers = ClusterBrokers();
        var conf = File.ReadAllText(Path.Combine(Docker, "rabbitmq.conf"));
        var listed = ClassicConfigNode().Matches(conf).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(3, brokers.Count);
        Assert.Matches(@"(?m)^\s*cluster_formation\.peer_discovery_backend\s*=\s*classic_config\s*$", conf);
        Assert.Equal(brokers.Select(b => "rabbit@" + Scalar(b.Value, "hostname")).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.All(brokers, b =>
        {
            var environment = ClusterEnvironment(b.Value);
            Assert.Equal(b.Key, Scalar(b.Value, "hostname"));
            Assert.True(environment.TryGetValue("RABBITMQ_ERLANG_COOKIE", out var cookie), $"{b.Key} has no RABBITMQ_ERLANG_COOKIE");
            Assert.Matches(RequiredVariable(), cookie);
            Assert.Equal(ClusterEnvironment(brokers[0].Value)["RABBITMQ_ERLANG_COOKIE"], cookie);
            Assert.Contains(Scalars(b.Value, "volumes"), v => v.StartsWith("./rabbitmq.conf:/etc/rabbitmq/", StringComparison.Ordinal) && v.EndsWith(".conf:ro", StringComparison.Ordinal));
            Assert.True(b.Value.ContainsKey("healthcheck"), $"{b.Key} has no health check");
        });
    }

    [Fact]
    public void ClusterComposeFile_LoadBalancer_NamesEveryReplicaAtTheHostsPortAndChecksItsReadiness()
    {
        var port = int.Parse(Regex.Match(DockerfileEnvironment()["ASPNETCORE_URLS"], @":(\d+)$").Groups[1].Value, CultureInfo.InvariantCulture);
        var replicas = ClusterReplicas().Select(r => r.Key).ToList();
        var balancer = ClusterServices().Single(s => Scalars(s.Value, "volumes").Any(v => v.StartsWith("./haproxy.cfg:", StringComparison.Ordinal)));
        var config = File.ReadAllText(Path.Combine(Docker, "haproxy.cfg"));
        var servers = HaproxyServer().Matches(config).Select(m => (Host: m.Groups[1].Value, Port: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        var check = HaproxyHealthCheck().Match(config);
        var health = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host", "SevenStamp.Connectors.Host", "Health", "HealthServiceCollectionExtensions.cs"));

        Assert.Equal(replicas.Order(StringComparer.Ordinal), servers.Select(s => s.Host).Order(StringComparer.Ordinal));
        Assert.All(servers, s => Assert.Equal(port, s.Port));
        Assert.True(check.Success, "haproxy.cfg has no 'option httpchk GET <path>'");
        Assert.Contains($"MapHealthChecks(\"{check.Groups[1].Value}\"", health, StringComparison.Ordinal);
        Assert.Equal(replicas.Order(StringComparer.Ordinal), Keys(balancer.Value, "depends_on").Order(StringComparer.Ordinal));
        Assert.Contains(Scalars(balancer.Value, "ports"), p => p.EndsWith(":" + HaproxyBind().Match(config).Groups[1].Value, StringComparison.Ordinal));
        Assert.All(ClusterReplicas(), r => Assert.False(r.Value.ContainsKey("ports"), $"{r.Key} publishes a port: only the load balancer may be reachable, or X-Forwarded-For could be forged"));
    }

    [Fact]
    public void ClusterComposeFile_Replicas_WaitForEveryHealthyBrokerNodeAndTheDatabaseAsTheSingleHostDoes()
    {
        var services = ClusterServices().ToDictionary(s => s.Key, s => s.Value);
        var single = Scalars(ToDictionary(ComposeService("host")), "volumes");

        Assert.All(ClusterReplicas(), r =>
        {
            var dependsOn = (YamlMappingNode)Merged((YamlMappingNode)r.Value["depends_on"]);
            var conditions = dependsOn.Children.ToDictionary(d => d.Key.ToString(), d => ((YamlMappingNode)d.Value).Children[new YamlScalarNode("condition")].ToString());
            foreach (var needed in ClusterBrokers().Select(b => b.Key).Append("postgres"))
            {
                Assert.True(conditions.TryGetValue(needed, out var condition) && condition == "service_healthy", $"{r.Key} does not wait for {needed} to be healthy");
                Assert.True(services[needed].ContainsKey("healthcheck"), $"{needed} has no health check");
            }

            Assert.All(conditions.Keys, d => Assert.True(services.ContainsKey(d), $"{r.Key} depends on {d}, which is no service"));
            Assert.Equal("always", Scalar(r.Value, "restart"));
            Assert.Equal(single.Where(v => !v.EndsWith(":/data", StringComparison.Ordinal)), Scalars(r.Value, "volumes"));
        });
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

    private static List<KeyValuePair<string, Dictionary<string, YamlNode>>> ClusterServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Docker, "docker-compose.cluster.yml"));
        yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return [.. services.Children.Select(s => KeyValuePair.Create(s.Key.ToString(), ToDictionary(Merged((YamlMappingNode)s.Value))))];
    }

    /// <summary>The cluster file's services built from the host's Dockerfile: the replicas.</summary>
    private static List<KeyValuePair<string, Dictionary<string, YamlNode>>> ClusterReplicas() =>
        [.. ClusterServices().Where(s => s.Value.TryGetValue("build", out var build) && build is YamlMappingNode b
            && b.Children.TryGetValue(new YamlScalarNode("dockerfile"), out var file) && file.ToString() == "docker/host.Dockerfile")];

    /// <summary>The cluster file's RabbitMQ services.</summary>
    private static List<KeyValuePair<string, Dictionary<string, YamlNode>>> ClusterBrokers() =>
        [.. ClusterServices().Where(s => Scalar(s.Value, "image")?.StartsWith("rabbitmq:", StringComparison.Ordinal) == true)];

    private static Dictionary<string, string> ClusterEnvironment(Dictionary<string, YamlNode> service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());

    /// <summary>
    /// A mapping with its YAML merge keys (<c>&lt;&lt;: *anchor</c>) resolved as Compose resolves them: the anchored
    /// entries first, the mapping's own keys winning over them.
    /// </summary>
    private static YamlMappingNode Merged(YamlMappingNode node)
    {
        var merged = new YamlMappingNode();
        foreach (var entry in node.Children.Where(e => e.Key.ToString() != "<<"))
        {
            merged.Children.Add(entry.Key, entry.Value is YamlMappingNode m ? Merged(m) : entry.Value);
        }

        var sources = node.Children.Where(e => e.Key.ToString() == "<<").SelectMany(e => e.Value is YamlSequenceNode s ? s.Children : [e.Value]);
        foreach (var source in sources.Cast<YamlMappingNode>().Select(Merged))
        {
            foreach (var entry in source.Children.Where(e => !merged.Children.ContainsKey(e.Key)))
            {
                merged.Children.Add(entry.Key, entry.Value);
            }
        }

        return merged;
    }

    private static Dictionary<string, YamlNode> ToDictionary(YamlMappingNode node) => node.Children.ToDictionary(e => e.Key.ToString(), e => e.Value);

    private static string? Scalar(Dictionary<string, YamlNode> service, string key) => service.TryGetValue(key, out var value) ? value.ToString() : null;

    private static List<string> Scalars(Dictionary<string, YamlNode> service, string key) =>
        service.TryGetValue(key, out var value) ? [.. ((YamlSequenceNode)value).Children.Select(v => v.ToString())] : [];

    private static List<string> Keys(Dictionary<string, YamlNode> service, string key) => service[key] switch
    {
        YamlSequenceNode list => [.. list.Children.Select(v => v.ToString())],
        YamlMappingNode map => [.. map.Children.Keys.Select(k => k.ToString())],
        var other => [other.ToString()],
    };

    /// <summary>Compose's interpolation with every variable unset: <c>${X:-default}</c> gives the default, <c>${X:?…}</c> a placeholder.</summary>
    private static string Interpolate(string value) => ComposeVariable().Replace(value, m => m.Groups[2].Value == ":-" ? m.Groups[3].Value : "set-by-the-operator");

    [GeneratedRegex(@"^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$")]
    private static partial Regex RequiredVariable();

    [GeneratedRegex(@"\$\{([A-Z][A-Z0-9_]*)(:-|:\?)?([^}]*)\}")]
    private static partial Regex ComposeVariable();

    [GeneratedRegex(@"(?m)^\s*listeners\.tcp\.default\s*=\s*(\d+)\s*$")]
    private static partial Regex RabbitListener();

    [GeneratedRegex(@"(?m)^\s*cluster_formation\.classic_config\.nodes\.\d+\s*=\s*(\S+)\s*$")]
    private static partial Regex ClassicConfigNode();

    [GeneratedRegex(@"(?m)^\s*server\s+\S+\s+([A-Za-z0-9.-]+):(\d+)")]
    private static partial Regex HaproxyServer();

    [GeneratedRegex(@"(?m)^\s*option\s+httpchk\s+GET\s+(\S+)")]
    private static partial Regex HaproxyHealthCheck();

    [GeneratedRegex(@"(?m)^\s*bind\s+\S*:(\d+)")]
    private static partial Regex HaproxyBind();

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
