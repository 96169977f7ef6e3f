using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Testing;

/// <summary>
/// Keeps every log line a host writes, at every level, with the scopes it was written in (a provider such as the
/// JSON console prints those too), so tests can check what never reaches a log.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, () => _scopes);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, Func<IExternalScopeProvider?> scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            var scope = new StringBuilder();
            scopes()?.ForEachScope(
                (value, text) =>
                {
                    text.Append(" scope: ").Append(value);
                    if (value is IEnumerable<KeyValuePair<string, object?>> scopePairs)
                    {
                        text.Append(' ').AppendJoin(" ", scopePairs.Select(p => $"{p.Key}={p.Value}"));
                    }
                },
                scope);
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {properties} {exception}{scope}");
        }
    }
}
