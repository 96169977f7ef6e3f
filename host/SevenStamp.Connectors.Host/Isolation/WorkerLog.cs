using System.Text;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// How a connector worker's log reaches the host: one line per entry on the worker's stderr,
/// <c>level|category|message</c>, control characters neutralised so an entry can never forge another. The host
/// parses each line back and logs it under the connector's category at the same level.
/// </summary>
internal static partial class WorkerLog
{
    private const int MaxLineChars = 4000;

    public static string Format(LogLevel level, string category, string message) =>
        $"{(int)level}|{Neutralise(category)}|{Neutralise(message)}";

    /// <summary>Reads a worker's stderr line: a formatted entry, or anything else (e.g. the runtime's own crash report) at Warning.</summary>
    public static (LogLevel Level, string Category, string Message) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split('|', 3);
        if (parts.Length == 3 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var level) && level is >= 0 and <= 5)
        {
            return ((LogLevel)level, parts[1], Neutralise(parts[2]));
        }

        return (LogLevel.Warning, "stderr", Neutralise(line));
    }

    public static string Neutralise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLineChars)
        {
            text = text[..MaxLineChars] + "…";
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) && c != '\t' ? ' ' : c);
        }

        return builder.ToString();
    }

    [LoggerMessage(EventId = 1401, Message = "[worker {Category}] {Line}")]
    public static partial void Forward(ILogger logger, LogLevel level, string category, string line);

    /// <summary>The worker side: writes entries to stderr in the format above.</summary>
    internal sealed class StderrProvider(LogLevel minimum) : ILoggerProvider
    {
        private readonly Lock _lock = new();

        public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

        public void Dispose()
        {
        }

        private void Write(string line)
        {
            lock (_lock)
            {
                Console.Error.WriteLine(line);
            }
        }

        private sealed class StderrLogger(StderrProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                ArgumentNullException.ThrowIfNull(formatter);
                var message = formatter(state, exception);
                if (exception is not null)
                {
                    message += $" ({exception.GetType().Name}: {exception.Message})";
                }

                provider.Write(Format(logLevel, category, message));
            }
        }

        private readonly LogLevel _minimum = minimum;
    }
}
