namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// A record a connector handed to the sink breaks the rules every record follows (see <see cref="CheckoutText"/>):
/// a control character in a sale id, a required id left empty. The event is bad input, not a fault of the
/// connector: the host answers a webhook that carried it with 400 naming <see cref="Field"/>, and it never counts
/// toward the connector's circuit breaker. A file-based connector reports the row as refused.
/// </summary>
public sealed class CheckoutRecordRejectedException : Exception
{
    public CheckoutRecordRejectedException()
        : this("record", "is not a valid checkout record")
    {
    }

    public CheckoutRecordRejectedException(string message)
        : this("record", message)
    {
    }

    public CheckoutRecordRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "record";
        Problem = message;
    }

    public CheckoutRecordRejectedException(string field, string problem)
        : base($"{field} {problem}")
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The record's field at fault, e.g. <c>customer.posCustomerId</c> or <c>discounts[1].code</c>.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it and how to fix it; never the value itself.</summary>
    public string Problem { get; }
}
