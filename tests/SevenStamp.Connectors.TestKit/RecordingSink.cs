using System.Collections.Concurrent;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.TestKit;

/// <summary>
/// An <see cref="ICheckoutEventSink"/> that keeps what it is given, for connector unit tests. Set
/// <see cref="Unavailable"/> to make it refuse records the way the host does when the broker is down, and
/// <see cref="NormalizeLikeTheHost"/> to check and normalize each record with <see cref="CheckoutText"/> as the
/// host's sink does (throwing <see cref="CheckoutRecordRejectedException"/> naming the field at fault).
/// </summary>
public sealed class RecordingSink : ICheckoutEventSink
{
    private readonly ConcurrentQueue<object> _records = new();
    private readonly ConcurrentQueue<object> _afterClose = new();
    private volatile bool _closed;

    public bool Unavailable { get; set; }

    /// <summary>Normalize records like the host's sink: ids and texts through <see cref="CheckoutText"/>, a sale without a currency refused.</summary>
    public bool NormalizeLikeTheHost { get; set; }

    public IReadOnlyList<object> Records => [.. _records];

    public IReadOnlyList<SaleCompleted> Sales => [.. _records.OfType<SaleCompleted>()];

    public IReadOnlyList<SaleRefunded> Refunds => [.. _records.OfType<SaleRefunded>()];

    /// <summary>Records handed over after <see cref="Close"/>: a stopped task must publish nothing more.</summary>
    public IReadOnlyList<object> RecordsAfterClose => [.. _afterClose];

    /// <summary>Marks the point after which nothing may be published (the task was stopped); later records go to <see cref="RecordsAfterClose"/>.</summary>
    public void Close() => _closed = true;

    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        if (NormalizeLikeTheHost)
        {
            if (string.IsNullOrWhiteSpace(sale.Currency))
            {
                throw new CheckoutRecordRejectedException("currency", "is required: the ISO 4217 code of the sale, e.g. EUR");
            }

            sale = CheckoutText.Normalize(sale);
        }

        return Record(sale);
    }

    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return Record(NormalizeLikeTheHost ? CheckoutText.Normalize(refund) : refund);
    }

    private Task Record(object record)
    {
        if (Unavailable)
        {
            throw new CheckoutSinkUnavailableException("The test sink is set to unavailable.");
        }

        (_closed ? _afterClose : _records).Enqueue(record);
        return Task.CompletedTask;
    }
}
