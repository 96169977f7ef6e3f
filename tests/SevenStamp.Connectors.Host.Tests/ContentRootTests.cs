using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The built host started as an operator starts it, <c>dotnet /app/SevenStamp.Connectors.Host.dll</c>, from another
/// working directory: it reads the <c>appsettings.json</c> files beside the binary, not the working directory's.
/// </summary>
public sealed partial class ContentRootTests : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("sevenstamp-cwd-");
    private readonly string _environment = "ContentRoot" + Guid.NewGuid().ToString("N")[..8];

    private string EnvironmentFile => Path.Combine(AppContext.BaseDirectory, $"appsettings.{_environment}.json");

    public void Dispose()
    {
        File.Delete(EnvironmentFile);
        _workingDirectory.Delete(recursive: true);
    }

    [Fact]
    public async Task Start_FromAnotherWorkingDirectory_ReadsTheAppSettingsBesideTheBinary()
    {
        // Arrange: a settings file beside the binary (for this test's environment name only) switches the API on.
        const string AdminKey = "content-root-admin-key-0123456789abcdef";
        await File.WriteAllTextAsync(EnvironmentFile, $$"""{ "SevenStamp": { "Api": { "AdminKey": "{{AdminKey}}" } } }""");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workingDirectory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SevenStamp.Connectors.Host.dll"));
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.Environment["DOTNET_ENVIRONMENT"] = _environment;
        start.Environment["SevenStamp__Bus__Transport"] = "InMemory";
        start.Environment["SevenStamp__Database__ConnectionString"] = $"Data Source={Path.Combine(_workingDirectory.FullName, "loyalty.db")}";
        start.Environment["SevenStamp__ConnectorsFile"] = Path.Combine(_workingDirectory.FullName, "connectors.json");
        await File.WriteAllTextAsync(Path.Combine(_workingDirectory.FullName, "connectors.json"), """{ "connectors": [] }""");
        var output = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Act
            Uri? address = null;
            for (var waited = 0; address is null && waited < 600 && !process.HasExited; waited++)
            {
                await Task.Delay(100);
                lock (output)
                {
                    var listening = ListeningOn().Match(output.ToString());
                    address = listening.Success ? new Uri(listening.Groups["url"].Value) : null;
                }
            }

            Assert.True(address is not null, "The host did not start listening:\n" + output);
            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            using var connectors = await client.GetAsync(new Uri("/api/connectors", UriKind.Relative));

            // Assert: the environment's file beside the binary set the key; the base file's log levels hold (no SQL lines).
            Assert.Equal(HttpStatusCode.OK, connectors.StatusCode);
            lock (output)
            {
                Assert.DoesNotContain("Executed DbCommand", output.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
