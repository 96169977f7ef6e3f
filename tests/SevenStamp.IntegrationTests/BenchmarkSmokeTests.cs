using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The benchmark harness (tests/SevenStamp.Benchmarks) in its smoke mode, as CI runs it: a few hundred messages,
/// SQLite only, the host as its own process, and the outbound webhooks run at the same size. It must complete and print
/// its table; its speeds are not judged here. The scale-out figure (<c>--replicas</c>) likewise, at the smoke sizes, on
/// PostgreSQL: one host, then three.
/// </summary>
public sealed class BenchmarkSmokeTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    [Fact]
    public async Task Harness_SmokeMode_CompletesAndPrintsEveryFigure()
    {
        // Arrange
        await using var harness = new HostProcess(new HostProcessOptions
        {
            EntryAssembly = "SevenStamp.Benchmarks.dll",
            Arguments = ["--smoke"],
            Environment = new Dictionary<string, string?> { [RabbitMqFixture.EnvironmentVariable] = rabbit.Uri },
            // It starts its own hosts; it serves nothing itself.
            Listen = false,
        });

        // Act
        await harness.StartAsync();
        if (!await harness.WaitForExitAsync(TimeSpan.FromMinutes(10)))
        {
            await harness.KillAsync();
            Assert.Fail("The harness did not finish its smoke run within 10 minutes:\n" + harness.Output);
        }

        var text = harness.Output;

        // Assert
        Assert.True(harness.ExitCode == 0, $"The harness exited with {harness.ExitCode}:\n{text}");
        string[] expected = ["| figure | value | baseline | ratio | target | result |", "Raw broker: publish with confirms", "MassTransit alone, JSON envelope as the product: end to end", "MassTransit alone, raw JSON: end to end", "Product end to end, SQLite: sales stamped/s", "accepted → stamp committed p99", "Product + outbound webhooks, SQLite: sales stamped/s", "Product + outbound webhooks, SQLite: host CPU per sale", "Outbound webhooks, SQLite: deliveries delivered/s", "Outbound webhooks, SQLite: event stored → received p99", "Webhook ingress (verify, dedupe, broker confirm)", "Host RSS under load", "Start to /health/ready 200"];
        var missing = expected.Where(e => !text.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"The table lacks {string.Join(", ", missing)}:\n{text}");
        Assert.False(text.Contains("n/a", StringComparison.Ordinal), $"A figure could not be measured:\n{text}");
    }

    [Fact]
    public async Task Harness_ReplicasSmokeMode_CompletesAndPrintsOneAndThreeHosts()
    {
        // Arrange: the harness makes its own databases on the server it is given; a test database is one to connect to.
        await using var server = await TestDatabase.CreateAsync(SevenStamp.Loyalty.LoyaltyStoreProvider.PostgreSql);
        await using var harness = new HostProcess(new HostProcessOptions
        {
            EntryAssembly = "SevenStamp.Benchmarks.dll",
            Arguments = ["--replicas", "--smoke"],
            Environment = new Dictionary<string, string?> { [RabbitMqFixture.EnvironmentVariable] = rabbit.Uri, [TestDatabase.PostgresVariable] = server.ConnectionString },
            Listen = false,
        });

        // Act
        await harness.StartAsync();
        if (!await harness.WaitForExitAsync(TimeSpan.FromMinutes(10)))
        {
            await harness.KillAsync();
            Assert.Fail("The harness did not finish its scale-out smoke run within 10 minutes:\n" + harness.Output);
        }

        var text = harness.Output;

        // Assert
        Assert.True(harness.ExitCode == 0, $"The harness exited with {harness.ExitCode}:\n{text}");
        string[] expected = ["| figure | value | baseline | ratio | target | result |", "Scale-out, PostgreSQL, 1 host: sales stamped/s (sustained)", "Scale-out, PostgreSQL, 3 hosts round robin: sales stamped/s (sustained)", "Scale-out, PostgreSQL, 3 hosts: host CPU per sale", "Scale-out, PostgreSQL, 1 host: accepted → stamp committed p99", "Scale-out, PostgreSQL, 3 hosts: accepted → stamp committed p99", "Scale-out, PostgreSQL, 3 hosts: webhook answer p99", "<!-- replicas:start"];
        var missing = expected.Where(e => !text.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"The table lacks {string.Join(", ", missing)}:\n{text}");
        Assert.False(text.Contains("n/a", StringComparison.Ordinal), $"A figure could not be measured:\n{text}");
        Assert.DoesNotContain("Written to", text, StringComparison.Ordinal);
    }

}
