using System.Diagnostics;
using System.Text;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The benchmark harness (tests/SevenStamp.Benchmarks) in its smoke mode, as CI runs it: a few hundred messages,
/// SQLite only, the host as its own process. It must complete and print its table; its speeds are not judged here.
/// </summary>
public sealed class BenchmarkSmokeTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    [Fact]
    public async Task Harness_SmokeMode_CompletesAndPrintsEveryFigure()
    {
        // Arrange
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SevenStamp.Benchmarks.dll"));
        start.ArgumentList.Add("--smoke");
        start.Environment[RabbitMqFixture.EnvironmentVariable] = rabbit.Uri;
        var output = new StringBuilder();
        var gate = new Lock();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.AppendLine(line);
                }
            }
        }

        // Act
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The harness did not finish its smoke run within 10 minutes:\n" + output);
        }

        await process.WaitForExitAsync(CancellationToken.None); // Returns once the redirected output is drained too.
        string text;
        lock (gate)
        {
            text = output.ToString();
        }

        // Assert
        Assert.True(process.ExitCode == 0, $"The harness exited with {process.ExitCode}:\n{text}");
        string[] expected = ["| figure | value | baseline | ratio | target | result |", "Raw broker: publish with confirms", "MassTransit alone, JSON envelope as the product: end to end", "MassTransit alone, raw JSON: end to end", "Product end to end, SQLite: sales stamped/s", "accepted → stamp committed p99", "Webhook ingress (verify, dedupe, broker confirm)", "Host RSS under load", "Start to /health/ready 200"];
        var missing = expected.Where(e => !text.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"The table lacks {string.Join(", ", missing)}:\n{text}");
        Assert.False(text.Contains("n/a", StringComparison.Ordinal), $"A figure could not be measured:\n{text}");
    }
}
