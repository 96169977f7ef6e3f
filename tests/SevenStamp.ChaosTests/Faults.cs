using System.Diagnostics;
using RabbitMQ.Client;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>What the chaos tests share: the commands that inject faults, waiting for the load, and the cleanup.</summary>
internal static class Faults
{
    /// <summary>The setting <paramref name="variable"/> (a command or a list the scripts print); the test is skipped without it.</summary>
    public static string Setting(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        Assert.SkipWhen(string.IsNullOrWhiteSpace(value), $"Set {variable} to {what} (tests/run-tests.sh and .ci/run do).");
        return value!;
    }

    /// <summary>Runs <paramref name="command"/> with bash and fails the test with its output when it fails.</summary>
    public static async Task ShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"'{command}' failed: {await output}{await error}");
    }

    public static Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout) =>
        Eventually.AssertAsync(condition, timeout, what, TimeSpan.FromMilliseconds(100));

    /// <summary>Deletes a finished test's queues and exchanges (those named with <paramref name="prefix"/>), best effort.</summary>
    public static async Task DeleteQueuesAsync(string rabbitUri, string prefix)
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitUri) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            foreach (var name in HostQueues.All(prefix))
            {
                await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(name, ifUnused: false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Best effort: leftover queues of a finished test hold nothing that matters.
        }
    }
}
