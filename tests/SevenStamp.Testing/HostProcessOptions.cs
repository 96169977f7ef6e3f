namespace SevenStamp.Testing;

/// <summary>What a <see cref="HostProcess"/> starts and how it knows the program is up.</summary>
public sealed class HostProcessOptions
{
    /// <summary>The built host's assembly, laid out beside the binaries of every project that references the host.</summary>
    public const string HostAssembly = "SevenStamp.Connectors.Host.dll";

    /// <summary>The folder the program is run from: the test's own output folder (where the build lays out the host and its plugins) unless told.</summary>
    public string HostDirectory { get; init; } = AppContext.BaseDirectory;

    /// <summary>The assembly run with <c>dotnet</c>, relative to <see cref="HostDirectory"/> or absolute: the host unless told.</summary>
    public string EntryAssembly { get; init; } = HostAssembly;

    /// <summary>The program's arguments. <c>--urls</c> is added after them, so a verb such as <c>demo</c> stays first.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Variables set for the program on top of this process's own environment; a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The working directory; <see cref="HostDirectory"/> when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Whether the program listens: it is given <c>--urls=http://127.0.0.1:{port}</c>. False for a program that serves nothing.</summary>
    public bool Listen { get; init; } = true;

    /// <summary>
    /// The loopback port. Null: a free one picked before the first start and kept across restarts. Zero: the program
    /// picks one at each start and <see cref="HostProcess.BaseAddress"/> is read from its <c>Now listening on:</c> line
    /// (which needs the host's lifetime messages at Information, as its appsettings.json has them).
    /// </summary>
    public int? Port { get; init; }

    /// <summary>A path polled until it answers 200, e.g. <c>/health/ready</c> (the default) or <c>/health/live</c>; null for none.</summary>
    public string? ReadyPath { get; init; } = "/health/ready";

    /// <summary>Text the program prints once it is up; null for none. Checked before <see cref="ReadyPath"/>.</summary>
    public string? ReadyLine { get; init; }

    /// <summary>How long a start may take to be ready before it fails with the program's output.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How often <see cref="ReadyPath"/> is polled.</summary>
    public TimeSpan ReadyInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Starts the program with SIGINT at its default, as a terminal does, so SIGINT (Ctrl+C) reaches it. A test run
    /// started in the background by a non-interactive shell (<c>… &amp;</c>, nohup) inherits SIGINT ignored and the
    /// runtime leaves it ignored; on Linux the program is then started through GNU env with SIGINT reset.
    /// </summary>
    public bool DefaultInterruptSignal { get; init; }

    /// <summary>The most output kept, in characters; later lines are dropped.</summary>
    public int MaxOutputChars { get; init; } = int.MaxValue;
}
