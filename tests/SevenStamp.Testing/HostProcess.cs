using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SevenStamp.Testing;

/// <summary>
/// The built host (or another program run with <c>dotnet</c>) as its own OS process, as an operator runs it: started
/// on a loopback port and awaited until ready, its output captured, and then killed (SIGKILL), stopped (SIGTERM, or
/// another signal), signalled, and restarted on the same port. Every test that runs a program as a process does it
/// through here. Disposing kills the process tree; a process still running when the test process exits is killed then.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<Process, byte> Running = new();

    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private Process? _process;
    private Uri? _baseAddress;
    private int _startOffset;
    private bool _disposed;

    static HostProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillRunning();

    public HostProcess(HostProcessOptions? options = null)
    {
        Options = options ?? new HostProcessOptions();
        if (Options.Listen && Options.Port != 0)
        {
            Port = Options.Port ?? FreePort();
            _baseAddress = Address(Port);
        }
    }

    public HostProcessOptions Options { get; }

    /// <summary>The loopback port; with <see cref="HostProcessOptions.Port"/> zero, known once a start is ready.</summary>
    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:{port}</c>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException($"{Name} has no address (it does not listen, or has not said where yet).");

    /// <summary>The id of the current (or last) process.</summary>
    public int ProcessId => Current.Id;

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>The exit code of the last process, once it has exited.</summary>
    public int ExitCode => Current.ExitCode;

    /// <summary>CPU time (user and system) the current process has used so far.</summary>
    public TimeSpan TotalProcessorTime
    {
        get
        {
            var process = Current;
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>From the last start of the process to ready.</summary>
    public TimeSpan TimeToReady { get; private set; }

    /// <summary>Everything the process printed, standard output and error interleaved as read, across restarts.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    private string Name => Path.GetFileNameWithoutExtension(Options.EntryAssembly);

    private Process Current => _process ?? throw new InvalidOperationException($"{Name} was not started, or was disposed.");

    /// <summary>
    /// Starts the process (again, after it exited or was killed: on the same port unless the port is zero) and waits
    /// until it is ready: its listening line when the port is zero, then <see cref="HostProcessOptions.ReadyLine"/>,
    /// then <see cref="HostProcessOptions.ReadyPath"/> answering 200. Fails with the output when the process exits
    /// first or <see cref="HostProcessOptions.ReadyTimeout"/> passes, and kills it then.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        _process?.Dispose();
        _process = null;
        if (Options.Listen && Options.Port == 0)
        {
            _baseAddress = null;
            Port = 0;
        }

        lock (_gate)
        {
            _startOffset = _output.Length;
        }

        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(StartInfo()) ?? throw new InvalidOperationException("dotnet could not be started.");
        _process = process;
        Running.TryAdd(process, 0);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await WaitUntilReadyAsync(process, cancellationToken);
        TimeToReady = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Waits until <paramref name="text"/> appears in the output of the current start; false when the process exits
    /// without printing it or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await WaitForAsync(output => output.Contains(text, StringComparison.Ordinal), timeout, cancellationToken);

    /// <summary>
    /// Waits until the output of the current start matches <paramref name="pattern"/> and returns the first match;
    /// null when the process exits without printing it or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<Match?> WaitForMatchAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Match? match = null;
        return await WaitForAsync(output => (match = pattern.Match(output)).Success, timeout, cancellationToken) ? match : null;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit (and its output to be read); whether it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await Current.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (a name as <c>kill</c> takes it: TERM, INT, STOP, CONT…) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        var process = Current;
        // A process that has exited already makes kill complain; that is no news to the caller, so its words are dropped.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException("kill could not be started.");
        await kill.StandardError.ReadToEndAsync();
        await kill.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the process as <c>docker stop</c> does: <paramref name="signal"/> (SIGTERM unless told), then waits
    /// <paramref name="grace"/> for it to exit and returns its exit code and how long it took. When it has not exited
    /// by then it is killed and this throws, with the output.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(TimeSpan grace, string signal = "TERM")
    {
        var process = Current;
        var started = Stopwatch.StartNew();
        await SignalAsync(signal);
        if (!await WaitForExitAsync(grace))
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not exit within {grace.TotalSeconds:0} s of SIG{signal} and was killed:\n{Output}");
        }

        Running.TryRemove(process, out _);
        return (process.ExitCode, started.Elapsed);
    }

    /// <summary>SIGKILL to the process and everything it started: no shutdown, no flush, nothing. Waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited in between.
            }
        }

        await process.WaitForExitAsync();
        Running.TryRemove(process, out _);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync();
        _process?.Dispose();
        _process = null;
    }

    private static Uri Address(int port) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void KillRunning()
    {
        foreach (var process in Running.Keys)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    private ProcessStartInfo StartInfo()
    {
        var directory = Options.HostDirectory;
        var viaEnv = Options.DefaultInterruptSignal && OperatingSystem.IsLinux() && File.Exists("/usr/bin/env");
        var start = new ProcessStartInfo(viaEnv ? "/usr/bin/env" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Options.WorkingDirectory ?? directory,
        };
        if (viaEnv)
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(directory, Options.EntryAssembly));
        foreach (var argument in Options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (Options.Listen)
        {
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--urls=http://127.0.0.1:{Port}"));
        }

        foreach (var (name, value) in Options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        TimeSpan Left() => Options.ReadyTimeout - waited.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

        if (Options.Listen && _baseAddress is null)
        {
            var listening = await WaitForMatchAsync(ListeningOn(), Left(), cancellationToken);
            if (listening is null)
            {
                throw await FailureAsync(process, "it printed no 'Now listening on:' line");
            }

            _baseAddress = new Uri(listening.Groups["url"].Value);
            Port = _baseAddress.Port;
        }

        if (Options.ReadyLine is { } line && !await WaitForOutputAsync(line, Left(), cancellationToken))
        {
            throw await FailureAsync(process, $"it did not print '{line}'");
        }

        if (Options.Listen && Options.ReadyPath is { } path)
        {
            var url = new Uri(BaseAddress, path);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var ready = false;
            await Eventually.HoldsAsync(
                async () => process.HasExited || (ready = await AnswersOkAsync(http, url, cancellationToken)),
                Left(),
                Options.ReadyInterval,
                cancellationToken);
            if (!ready)
            {
                throw await FailureAsync(process, $"GET {path} did not answer 200");
            }
        }
    }

    private static async Task<bool> AnswersOkAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Slow to answer while starting.
            return false;
        }
    }

    /// <summary>The error of a start that did not become ready, with the output; a process still running is killed first.</summary>
    private async Task<InvalidOperationException> FailureAsync(Process process, string why)
    {
        var exited = process.HasExited;
        await KillAsync();
        return new InvalidOperationException(exited
            ? $"{Name} exited with {process.ExitCode} before it was ready ({why}). Its output:\n{Output}"
            : $"{Name} was not ready within {Options.ReadyTimeout.TotalSeconds:0} s ({why}) and was killed. Its output:\n{Output}");
    }

    /// <summary>Polls the output of the current start until <paramref name="found"/> holds or the process exits; the last reading, once its output is all read.</summary>
    private async Task<bool> WaitForAsync(Func<string, bool> found, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var process = Current;
        var seen = false;
        await Eventually.HoldsAsync(() => (seen = found(OutputOfThisStart())) || process.HasExited, timeout, cancellationToken: cancellationToken);
        if (!seen && process.HasExited)
        {
            await process.WaitForExitAsync(cancellationToken);
            seen = found(OutputOfThisStart());
        }

        return seen;
    }

    private string OutputOfThisStart()
    {
        lock (_gate)
        {
            return _output.ToString(_startOffset, _output.Length - _startOffset);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_output.Length < Options.MaxOutputChars)
            {
                _output.AppendLine(line);
            }
        }
    }
}
