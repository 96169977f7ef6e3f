using System.Diagnostics;
using System.Globalization;
using SevenStamp.Testing;

namespace SevenStamp.Benchmarks;

/// <summary>
/// The built host run as its own process (<c>dotnet SevenStamp.Connectors.Host.dll</c> from this program's output
/// folder, where the build also lays out the bundled plugins, or from where <see cref="PublishAsync"/> put it) through
/// the tests' launcher, with what the benchmark reads of it: its time to ready, resident memory and CPU time.
/// </summary>
internal sealed class HostUnderTest : IAsyncDisposable
{
    private readonly HostProcess _process;
    private readonly CancellationTokenSource _sampling = new();
    private Task? _sampler;
    private long _peakSampledRss;

    private HostUnderTest(HostProcess process)
    {
        _process = process;
    }

    public Uri BaseAddress => _process.BaseAddress;

    /// <summary>From process start to the first 200 of <c>/health/ready</c>.</summary>
    public TimeSpan TimeToReady => _process.TimeToReady;

    /// <summary>Resident memory right after ready, in bytes.</summary>
    public long IdleRss { get; private set; }

    /// <summary>The largest resident memory seen since <see cref="StartSampling"/>, in bytes.</summary>
    public long PeakSampledRss => Interlocked.Read(ref _peakSampledRss);

    public string Output => _process.Output;

    /// <summary>The folder the host runs from: the harness's own (the Release build) unless <see cref="PublishAsync"/> ran.</summary>
    public static string HostDirectory { get; private set; } = AppContext.BaseDirectory;

    /// <summary>
    /// Publishes the host as the image does (for this platform, ReadyToRun, with its plugins) into a temporary folder
    /// and runs it from there from now on.
    /// </summary>
    public static async Task PublishAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var project = FindHostProject();
        var output = Directory.CreateTempSubdirectory("sevenstamp-bench-published-").FullName;
        var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", output, "--os", "linux", "--self-contained", "false", "-nologo", "-v", "quiet" })
        {
            publish.ArgumentList.Add(argument);
        }

        await log.WriteLineAsync($"publishing the host as the image does (ReadyToRun) to {output}…");
        using var process = Process.Start(publish) ?? throw new InvalidOperationException("dotnet could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        HostDirectory = output;
    }

    private static string FindHostProject() =>
        BenchOptions.FindAbove(Path.Combine("host", "SevenStamp.Connectors.Host", "SevenStamp.Connectors.Host.csproj"))
        ?? throw new InvalidOperationException("The host project was not found above " + AppContext.BaseDirectory);

    /// <summary>Environment variables with this prefix are passed to the host without it.</summary>
    public const string HostEnvironmentPrefix = "SEVENSTAMP_BENCH_HOST_";

    public static async Task<HostUnderTest> StartAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };

        // Settings for the host alone (a profiler's, a runtime knob to try): SEVENSTAMP_BENCH_HOST_X=v sets X=v.
        foreach (var (name, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => ((string)e.Key, e.Value as string))
            .Where(e => e.Item1.StartsWith(HostEnvironmentPrefix, StringComparison.Ordinal)))
        {
            environment[name[HostEnvironmentPrefix.Length..]] = value;
        }

        // Ready polled every 10 ms, so the time to ready is read to about that.
        var process = new HostProcess(new HostProcessOptions
        {
            HostDirectory = HostDirectory,
            Arguments = [.. arguments],
            Environment = environment,
            ReadyTimeout = TimeSpan.FromSeconds(120),
            ReadyInterval = TimeSpan.FromMilliseconds(10),
            MaxOutputChars = 200_000,
        });
        try
        {
            await process.StartAsync(cancellationToken);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        var host = new HostUnderTest(process);
        host.IdleRss = host.ReadRss();
        return host;
    }

    /// <summary>Samples VmRSS every 100 ms until disposed, keeping the largest.</summary>
    public void StartSampling()
    {
        _sampler ??= Task.Run(async () =>
        {
            while (!_sampling.IsCancellationRequested)
            {
                var rss = ReadRss();
                long seen;
                while (rss > (seen = Interlocked.Read(ref _peakSampledRss)) && Interlocked.CompareExchange(ref _peakSampledRss, rss, seen) != seen)
                {
                }

                try
                {
                    await Task.Delay(100, _sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>CPU time the host process has used so far (user and system).</summary>
    public TimeSpan CpuTime => _process.TotalProcessorTime;

    /// <summary>VmRSS (or VmHWM, the peak) of the host process from /proc, in bytes; 0 where /proc is missing.</summary>
    public long ReadRss(string field = "VmRSS")
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.ProcessId}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _sampling.CancelAsync();
        if (_sampler is not null)
        {
            await _sampler;
        }

        await _process.DisposeAsync();
        _sampling.Dispose();
    }
}
