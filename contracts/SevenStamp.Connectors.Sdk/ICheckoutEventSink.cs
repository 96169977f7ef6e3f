using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Where a connector hands its normalized records. Each call completes only once the record is durable
/// (the broker confirmed it); it throws <see cref="CheckoutSinkUnavailableException"/> when that cannot be
/// had within the host's timeout, so a webhook can answer 5xx and let the POS retry.
/// The host stamps the merchant and connector ids of the instance on every record.
/// </summary>
public interface ICheckoutEventSink
{
    Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken);

    Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken);
}
