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
    public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        RequireText(sale.ExternalSaleId, nameof(SaleCompleted.ExternalSaleId));
        RequireText(sale.Currency, nameof(SaleCompleted.Currency));
        return PublishDurablyAsync(sale with { MerchantId = runtime.Config.MerchantId, ConnectorId = runtime.Id }, cancellationToken);
    }

    public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        RequireText(refund.ExternalRefundId, nameof(SaleRefunded.ExternalRefundId));
        RequireText(refund.ExternalSaleId, nameof(SaleRefunded.ExternalSaleId));
        return PublishDurablyAsync(refund with { MerchantId = runtime.Config.MerchantId, ConnectorId = runtime.Id }, cancellationToken);
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

    private static void RequireText(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{field} is required on every record a connector publishes.", field);
        }
    }
}
