using System.Net;
using System.Net.Http.Headers;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The built host started as an operator starts it, <c>dotnet /app/SevenStamp.Connectors.Host.dll</c>, from another
/// working directory: it reads the <c>appsettings.json</c> files beside the binary, not the working directory's.
/// </summary>
public sealed class ContentRootTests : IDisposable
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
        await File.WriteAllTextAsync(Path.Combine(_workingDirectory.FullName, "connectors.json"), """{ "connectors": [] }""");
        await using var host = new HostProcess(new HostProcessOptions
        {
            WorkingDirectory = _workingDirectory.FullName,
            // Up once it says where it listens; the API's answer is the test.
            Port = 0,
            ReadyPath = null,
            ReadyTimeout = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string?>
            {
                ["DOTNET_ENVIRONMENT"] = _environment,
                ["SevenStamp__Bus__Transport"] = "InMemory",
                ["SevenStamp__Database__ConnectionString"] = $"Data Source={Path.Combine(_workingDirectory.FullName, "loyalty.db")}",
                ["SevenStamp__ConnectorsFile"] = Path.Combine(_workingDirectory.FullName, "connectors.json"),
            },
        });

        // Act
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var connectors = await client.GetAsync(new Uri("/api/connectors", UriKind.Relative));

        // Assert: the environment's file beside the binary set the key; the base file's log levels hold (no SQL lines).
        Assert.Equal(HttpStatusCode.OK, connectors.StatusCode);
        Assert.DoesNotContain("Executed DbCommand", host.Output, StringComparison.Ordinal);
    }
}
