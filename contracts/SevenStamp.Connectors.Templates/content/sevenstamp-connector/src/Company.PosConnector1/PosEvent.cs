using SevenStamp.Contracts;

namespace Company.PosConnector1;

/// <summary>One webhook event of the point of sale: its id (for dedupe), its type, and the sale when it is one.</summary>
internal sealed record PosEvent(string EventId, string Type, SaleCompleted? Sale);

/// <summary>The body is authentic but malformed; the message names the field and what is expected, never its value.</summary>
internal sealed class PosPayloadException(string message) : Exception(message);
