using MassTransit;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>
/// Publishes a connector's records on the bus. With RabbitMQ, <see cref="IPublishEndpoint.Publish{T}(T, CancellationToken)"/>
/// completes when the broker confirmed the persistent message, so a completed call means durable. Every record
/// is stamped with the instance's merchant and connector ids: a plugin cannot speak for another merchant.
/// </summary>
internal sealed class MassTransitCheckoutEventSink(IBus bus, ConnectorRuntime runtime, TimeSpan publishTimeout) : ICheckoutEventSink
{
    /// <summary>
    /// Normalizes the sale's ids and texts (<see cref="CheckoutText"/>: the one rule every connector gets), stamps the
    /// instance's merchant, connector and source system on it, and publishes it. A sale that breaks the rule throws
    /// <see cref="CheckoutRecordRejectedException"/> naming the field: bad input, answered 400, never a connector fault.
    /// </summary>
    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        return PublishDurablyAsync(Addressed(sale, runtime), cancellationToken);
    }

    /// <summary>
    /// A connector's sale as it is published: checked, its text normalized, stamped with the instance's merchant,
    /// connector and source system (the live sink and a dry run both go through here).
    /// </summary>
    internal static SaleCompleted Addressed(SaleCompleted sale, ConnectorRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(sale);
        if (string.IsNullOrWhiteSpace(sale.Currency))
        {
            throw new CheckoutRecordRejectedException("currency", "is required: the ISO 4217 code of the sale, e.g. EUR");
        }

        var normalized = CheckoutText.Normalize(sale);
        return normalized with { MerchantId = runtime.Config.MerchantId, ConnectorId = runtime.Id, SourceSystem = SourceSystemOf(sale.SourceSystem, runtime) };
    }

    /// <inheritdoc cref="PublishAsync(SaleCompleted, CancellationToken)"/>
    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        return PublishDurablyAsync(Addressed(refund, runtime), cancellationToken);
    }

    /// <summary>A connector's refund as it is published (see <see cref="Addressed(SaleCompleted, ConnectorRuntime)"/>).</summary>
    internal static SaleRefunded Addressed(SaleRefunded refund, ConnectorRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var normalized = CheckoutText.Normalize(refund);
        return normalized with { MerchantId = runtime.Config.MerchantId, ConnectorId = runtime.Id, SourceSystem = SourceSystemOf(refund.SourceSystem, runtime) };
    }

    /// <summary>
    /// The point-of-sale system a record is keyed under: the instance's <c>sourceSystem</c> when the merchant set one,
    /// else what the plugin says (a plugin naming an invalid one is a plugin fault), else the connector id.
    /// </summary>
    private static string SourceSystemOf(string? declared, ConnectorRuntime runtime)
    {
        if (runtime.Config.SourceSystem is { } configured)
        {
            return configured;
        }

        if (declared is null)
        {
            return runtime.Id;
        }

        return Connectors.ConnectorSourceSystem.TryParse(declared, out var named)
            ? named!
            : throw new InvalidOperationException("The connector set a SourceSystem that is not lower-case letters, digits and dashes (1-63 characters).");
    }

    private async Task PublishDurablyAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(publishTimeout);
        try
        {
            await bus.Publish(message, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            HostMetrics.PublishFailed(runtime.Id);
            throw new CheckoutSinkUnavailableException($"The message broker did not confirm the {typeof(T).Name} within {publishTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            HostMetrics.PublishFailed(runtime.Id);
            throw new CheckoutSinkUnavailableException($"The {typeof(T).Name} could not be published: {ex.GetType().Name}.", ex);
        }

        runtime.CountRecordOut();
        HostMetrics.Published(runtime.Id, typeof(T).Name);
    }
}
