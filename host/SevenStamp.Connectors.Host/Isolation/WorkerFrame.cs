using System.Text.Json;
using System.Text.Json.Serialization;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// One message between the host and a connector worker process, in either direction: a request (any
/// <see cref="Type"/> but <c>reply</c> and <c>cancel</c>) carries an id of its sender's; the <c>reply</c> carries the
/// same id back, with <see cref="Error"/> null on success. Only the fields of its type are set.
/// </summary>
internal sealed record WorkerFrame
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Webhook = "webhook";
    public const string PublishSale = "publish-sale";
    public const string PublishRefund = "publish-refund";
    public const string GetOffset = "get-offset";
    public const string SetOffset = "set-offset";
    public const string AdvanceOffset = "advance-offset";
    public const string IsSeen = "is-seen";
    public const string MarkSeen = "mark-seen";
    public const string Reply = "reply";
    public const string Cancel = "cancel";

    /// <summary>
    /// Reply errors: the call threw, the checkout sink was unavailable, a record was refused (its field in
    /// <see cref="Key"/>), it was cancelled, or the worker cannot do it.
    /// </summary>
    public const string ErrorFailed = "error";
    public const string ErrorUnavailable = "unavailable";
    public const string ErrorRejected = "rejected";
    public const string ErrorCancelled = "cancelled";
    public const string ErrorUnsupported = "unsupported";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        MaxDepth = 32,
    };

    public string Type { get; init; } = string.Empty;

    public long Id { get; init; }

    public string? Error { get; init; }

    public string? Message { get; init; }

    public string? ConnectorId { get; init; }

    public string? MerchantId { get; init; }

    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    public string? Method { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The raw webhook body, base64.</summary>
    public string? Body { get; init; }

    public DateTimeOffset? ReceivedAt { get; init; }

    public string? QueryString { get; init; }

    public int? StatusCode { get; init; }

    public WebhookOutcome? Outcome { get; init; }

    public SaleCompleted? Sale { get; init; }

    public SaleRefunded? Refund { get; init; }

    public string? Key { get; init; }

    public string? Value { get; init; }

    public bool? Flag { get; init; }

    public static WorkerFrame Ok() => new() { Type = Reply };

    public static WorkerFrame Failed(string error, string message) => new() { Type = Reply, Error = error, Message = message };
}
