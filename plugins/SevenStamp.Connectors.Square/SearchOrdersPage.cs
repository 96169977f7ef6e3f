namespace SevenStamp.Connectors.Square;

/// <summary>One page of SearchOrders: the orders read, the problems of those that could not be read, and the next cursor (null on the last page).</summary>
internal sealed record SearchOrdersPage(IReadOnlyList<SquareOrder> Orders, IReadOnlyList<string> Problems, string? Cursor);
