using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The webhook compliance suite on <typeparamref name="TConnector"/>, created as the host creates it, in one line:
/// <code>
/// public sealed class MyPosComplianceTests() : WebhookConnectorComplianceTests&lt;MyPosConnector&gt;(MyPosSamples.Sale);
/// </code>
/// where the sample is a <see cref="WebhookSample"/>: the documented body, the sale it must become and how the POS
/// signs it (<see cref="WebhookSignature"/>). Settings, the signing secret and its rotation partner are read from
/// the connector's schema.
/// </summary>
/// <typeparam name="TConnector">The connector under test.</typeparam>
/// <param name="sample">The documented delivery, its signature and the sale it must become.</param>
public abstract class WebhookConnectorComplianceTests<TConnector>(WebhookSample sample) : WebhookConnectorComplianceTests
    where TConnector : IPosConnector, new()
{
    protected override WebhookSample Sample => sample;

    protected override IPosConnector CreateConnector() => new TConnector();
}
