using System.Text;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// What the webhook compliance suite needs to know that it cannot read from the connector itself: a documented
/// delivery, how the POS signs it, and the sale it must become. Settings are derived from the connector's schema
/// (see <see cref="ComplianceSettings"/>); give here only those a merchant would have to choose.
/// </summary>
public sealed record WebhookSample
{
    /// <summary>The raw body of a valid sale delivery, as the POS documents it.</summary>
    public required byte[] Body { get; init; }

    /// <summary>The sale <see cref="Body"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    public required SaleCompleted ExpectedSale { get; init; }

    /// <summary>How the POS signs a delivery.</summary>
    public required WebhookSignature Signature { get; init; }

    /// <summary>Settings given on top of the generated ones (a mapping, a preset, a header name); never the signing secret, which the suite generates.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Headers the POS sends with every delivery besides the signature (a topic, a delivery id, a timestamp).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>When the host received the delivery.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// Settings a merchant must give although the schema cannot mark them required (a mapping unless a preset gives
    /// one). The signing secret is always among them.
    /// </summary>
    public IReadOnlyList<string> AlsoRequired { get; init; } = [];

    /// <summary>A sample from its JSON text (UTF-8), the sale it must become and its signature.</summary>
    public static WebhookSample Of(string json, SaleCompleted expectedSale, WebhookSignature signature) =>
        new() { Body = Encoding.UTF8.GetBytes(json), ExpectedSale = expectedSale, Signature = signature };

    /// <summary>A sample from its raw body, the sale it must become and its signature.</summary>
    public static WebhookSample Of(byte[] body, SaleCompleted expectedSale, WebhookSignature signature) =>
        new() { Body = body, ExpectedSale = expectedSale, Signature = signature };
}
