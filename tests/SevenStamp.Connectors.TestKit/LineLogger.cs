using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Connectors.TestKit;

/// <summary>A logger that keeps every formatted line (with its structured values and exception), to check what never reaches a log.</summary>
public sealed class LineLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        _lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {properties} {exception}");
    }
}
