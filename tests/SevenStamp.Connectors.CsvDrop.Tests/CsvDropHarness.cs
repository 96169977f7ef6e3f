using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Contracts;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>A temp inbox folder and CSV drop tasks over it, with real files and the connector's own validation.</summary>
internal sealed class CsvDropHarness : IDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The pause between two scans while a test waits for the inbox.</summary>
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(20);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sevenstamp-csv-");

    public CsvDropHarness()
    {
        Inbox = Path.Combine(_root.FullName, "inbox");
        Directory.CreateDirectory(Inbox);
    }

    public string Inbox { get; }

    public string Processed => Path.Combine(Inbox, "processed");

    public string Quarantine => Path.Combine(Inbox, "quarantine");

    public string Processing => Path.Combine(Inbox, "processing");

    public InMemoryConnectorStore Store { get; } = new();

    /// <summary>Settings with a short quiet period and poll interval, the given ones on top.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["folder"] = Inbox,
            ["pollInterval"] = "100ms",
            ["quietPeriod"] = "50ms",
        };
        foreach (var (key, value) in overrides)
        {
            values[key] = value;
        }

        return values;
    }

    public CsvDropTask CreateTask(ICheckoutEventSink sink, IReadOnlyDictionary<string, string?>? settings = null, ILogger? logger = null)
    {
        var connector = new CsvDropConnector();
        var result = ConnectorValidation.Validate(connector, settings ?? Settings());
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var context = new ConnectorContext(ConnectorHarness.ConnectorId, ConnectorHarness.MerchantId, result.Settings!, sink, logger ?? NullLogger.Instance, TimeProvider.System, Store);
        return (CsvDropTask)connector.CreateTask(context);
    }

    /// <summary>Writes a file the way a careful POS does: as .part, then renamed into place.</summary>
    public string Drop(string name, string content, Encoding? encoding = null) => Drop(name, (encoding ?? new UTF8Encoding(false)).GetBytes(content));

    public string Drop(string name, byte[] content)
    {
        var path = Path.Combine(Inbox, name);
        File.WriteAllBytes(path + ".part", content);
        File.Move(path + ".part", path);
        return path;
    }

    /// <summary>Scans until the inbox holds no export waiting (or the deadline passes); returns whether it emptied.</summary>
    public Task<bool> ScanUntilIdleAsync(CsvDropTask task, string pattern = "*.csv") => Eventually.HoldsAsync(
        async () => !await task.ScanOnceAsync(CancellationToken.None) && !Directory.EnumerateFiles(Inbox, pattern).Any(f => CsvInbox.IsExportName(Path.GetFileName(f))),
        Deadline,
        ScanInterval);

    /// <summary>
    /// Scans until <paramref name="condition"/> holds (or the deadline passes), checking it before each scan; returns
    /// whether it held.
    /// </summary>
    public static Task<bool> ScanUntilAsync(CsvDropTask task, Func<bool> condition) => Eventually.HoldsAsync(
        async () =>
        {
            if (condition())
            {
                return true;
            }

            await task.ScanOnceAsync(CancellationToken.None);
            return false;
        },
        Deadline,
        ScanInterval);

    public IReadOnlyList<string> InboxFiles() => [.. Directory.EnumerateFiles(Inbox).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public IReadOnlyList<string> ProcessedFiles() => Files(Processed);

    public IReadOnlyList<string> QuarantinedFiles() => Files(Quarantine);

    /// <summary>Waits (up to <see cref="Deadline"/>) for what the running task does in the background.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition) => Eventually.HoldsAsync(condition, Deadline);

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A task still finishing; the temp folder is cleaned by the OS.
        }
    }

    private static IReadOnlyList<string> Files(string folder) =>
        Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];
}

/// <summary>A sink that publishes <see cref="FailAfter"/> records and then refuses every record, as a broker going down mid-file.</summary>
internal sealed class FailingSink(int failAfter) : ICheckoutEventSink
{
    private readonly ConcurrentQueue<object> _records = new();

    public int FailAfter { get; set; } = failAfter;

    public IReadOnlyList<SaleCompleted> Sales => [.. _records.OfType<SaleCompleted>()];

    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken) => Record(sale);

    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken) => Record(refund);

    private Task Record(object record)
    {
        if (_records.Count >= FailAfter)
        {
            throw new CheckoutSinkUnavailableException("The broker is down (test).");
        }

        _records.Enqueue(record);
        return Task.CompletedTask;
    }
}

/// <summary>A sink that records, and runs <see cref="OnPublish"/> with the count so far after each record (a writer appending meanwhile).</summary>
internal sealed class CallbackSink : ICheckoutEventSink
{
    private readonly RecordingSink _inner = new();

    public Action<int>? OnPublish { get; set; }

    public IReadOnlyList<SaleCompleted> Sales => _inner.Sales;

    public bool Unavailable
    {
        get => _inner.Unavailable;
        set => _inner.Unavailable = value;
    }

    public async Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        await _inner.PublishAsync(sale, cancellationToken);
        OnPublish?.Invoke(_inner.Records.Count);
    }

    public async Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        await _inner.PublishAsync(refund, cancellationToken);
        OnPublish?.Invoke(_inner.Records.Count);
    }
}

/// <summary>A sink that only counts sale ids, so a very large file's records do not fill the test's memory.</summary>
internal sealed class CountingSink : ICheckoutEventSink
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private long _maxHeap;
    private int _count;

    public int Count => _count;

    public int Distinct => _ids.Count;

    public long MaxHeapBytes => Interlocked.Read(ref _maxHeap);

    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        _ids.AddOrUpdate(sale.ExternalSaleId, 1, (_, n) => n + 1);
        if (Interlocked.Increment(ref _count) % 5_000 == 0)
        {
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            if (heap > Interlocked.Read(ref _maxHeap))
            {
                Interlocked.Exchange(ref _maxHeap, heap);
            }
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken) => Task.CompletedTask;
}
