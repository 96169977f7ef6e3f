using System.Collections.Concurrent;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.TestKit;

/// <summary>
/// An <see cref="ICheckoutEventSink"/> that keeps what it is given, for connector unit tests. Set
/// <see cref="Unavailable"/> to make it refuse records the way the host does when the broker is down.
/// </summary>
public sealed class RecordingSink : ICheckoutEventSink
{
    private readonly ConcurrentQueue<object> _records = new();

    public bool Unavailable { get; set; }

    public IReadOnlyList<object> Records => [.. _records];

    public IReadOnlyList<SaleCompleted> Sales => [.. _records.OfType<SaleCompleted>()];

    public IReadOnlyList<SaleRefunded> Refunds => [.. _records.OfType<SaleRefunded>()];

    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken) => Record(sale);

    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken) => Record(refund);

    private Task Record(object record)
    {
        if (Unavailable)
        {
            throw new CheckoutSinkUnavailableException("The test sink is set to unavailable.");
        }

        _records.Enqueue(record);
        return Task.CompletedTask;
    }
}
