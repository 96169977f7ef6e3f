using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Who a sale or a request is about: finds the customer the identifiers (<see cref="CustomerIdentity"/>) point at,
/// enrols new customers and links identifiers to them. The one writer of <c>customer_links</c>, used by the engine
/// (<see cref="SaleStamping"/>) and by <see cref="CardDirectory"/>. A link is unique on (merchant, kind, value): of
/// two writers of the same link the first wins and the other is told so.
/// </summary>
internal sealed class CustomerResolver(LoyaltyDbContext db)
{
    /// <summary>
    /// The customer an identifier already points to (strongest identifier first), linking the sale's other
    /// identifiers to them; or, when the program enrols from sales, a new customer. Concurrent first sales of the
    /// same new customer agree on one: the link's unique key picks the winner. With <paramref name="batch"/>, the
    /// links come from the batch's read, and the links written here are added to it.
    /// </summary>
    public async Task<Guid?> ResolveAsync(string merchantId, IReadOnlyList<(string Kind, string Value)> identifiers, (string Kind, string Value)? legacy, bool autoEnroll, BatchLinks? batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The legacy identifier (CustomerIdentity.LegacyPosIdentifier) is looked up last and never written.
        IReadOnlyList<(string Kind, string Value)> lookedUp = legacy is { } old ? [.. identifiers, old] : identifiers;
        List<(string Kind, string Value, Guid CustomerId)> links;
        if (batch is { Abandoned: false })
        {
            links = [];
            foreach (var (kind, value) in lookedUp)
            {
                if (batch.TryGet(merchantId, kind, value, out var linked))
                {
                    links.Add((kind, value, linked));
                }
            }
        }
        else
        {
            var values = lookedUp.Select(i => i.Value).ToList();
            links = [.. (await db.CustomerLinks.AsNoTracking()
                .Where(l => l.MerchantId == merchantId && values.Contains(l.Value))
                .Select(l => new { l.Kind, l.Value, l.CustomerId })
                .ToListAsync(cancellationToken)).Select(l => (l.Kind, l.Value, l.CustomerId))];
        }

        var known = lookedUp
            .SelectMany(i => links.Where(l => l.Kind == i.Kind && l.Value == i.Value).Take(1))
            .Select(l => (Guid?)l.CustomerId)
            .FirstOrDefault();

        Guid customerId;
        if (known is { } found)
        {
            customerId = found;
        }
        else if (!autoEnroll)
        {
            return null;
        }
        else
        {
            var candidate = Guid.NewGuid();
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO customers (id, merchant_id, created_at) VALUES ({candidate}, {merchantId}, {now})",
                cancellationToken);
            var (kind, value) = identifiers[0];
            if (await InsertLinkAsync(merchantId, kind, value, candidate, batch, now, cancellationToken) == 1)
            {
                customerId = candidate;
            }
            else
            {
                // Another sale enrolled the same customer first.
                customerId = await OwnerAsync(merchantId, kind, value, cancellationToken);
                await db.Customers.Where(c => c.Id == candidate).ExecuteDeleteAsync(cancellationToken);
            }
        }

        foreach (var (kind, value) in identifiers.Where(i => !links.Any(l => l.Kind == i.Kind && l.Value == i.Value)))
        {
            await InsertLinkAsync(merchantId, kind, value, customerId, batch, now, cancellationToken);
        }

        return customerId;
    }

    /// <summary>
    /// The links the identifiers of <paramref name="sales"/> (of <paramref name="merchants"/>) name, read with one query
    /// for a batch of sales that stands or falls as a whole.
    /// </summary>
    public async Task<BatchLinks> ReadLinksAsync(IReadOnlyList<SaleCompleted> sales, IReadOnlyList<string> merchants, CancellationToken cancellationToken)
    {
        var batch = new BatchLinks();
        var identifiers = sales.SelectMany(CustomerIdentity.Of)
            .Concat(sales.Select(CustomerIdentity.LegacyPosIdentifier).OfType<(string Kind, string Value)>())
            .ToList();
        if (identifiers.Count > 0)
        {
            var kinds = identifiers.Select(i => i.Kind).Distinct(StringComparer.Ordinal).ToList();
            var values = identifiers.Select(i => i.Value).Distinct(StringComparer.Ordinal).ToList();
            var links = await db.CustomerLinks.AsNoTracking()
                .Where(l => merchants.Contains(l.MerchantId) && kinds.Contains(l.Kind) && values.Contains(l.Value))
                .Select(l => new { l.MerchantId, l.Kind, l.Value, l.CustomerId })
                .ToListAsync(cancellationToken);
            foreach (var link in links)
            {
                batch.Remember(link.MerchantId, link.Kind, link.Value, link.CustomerId);
            }
        }

        return batch;
    }

    /// <summary>
    /// A new customer of the merchant, with <paramref name="loyaltyCardId"/> linked to them when given, added to the
    /// context: the caller's <c>SaveChanges</c> writes them with whatever else it adds (their card).
    /// </summary>
    public Customer Enroll(string merchantId, string? loyaltyCardId, DateTimeOffset now)
    {
        var customer = new Customer { Id = Guid.NewGuid(), MerchantId = merchantId, CreatedAt = now };
        db.Customers.Add(customer);
        if (loyaltyCardId is not null)
        {
            db.CustomerLinks.Add(new CustomerLink { MerchantId = merchantId, Kind = CustomerIdentity.Card, Value = loyaltyCardId, CustomerId = customer.Id, CreatedAt = now });
        }

        return customer;
    }

    /// <summary>Links an identifier to the customer unless it already points to one, and says which it was.</summary>
    public async Task<LinkOutcome> LinkAsync(string merchantId, string kind, string value, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await InsertLinkRowAsync(merchantId, kind, value, customerId, now, cancellationToken) == 1)
        {
            return LinkOutcome.Linked;
        }

        return await OwnerAsync(merchantId, kind, value, cancellationToken) == customerId ? LinkOutcome.AlreadyLinked : LinkOutcome.LinkedElsewhere;
    }

    /// <summary>Links an identifier to a customer unless it already points to one; keeps the batch's links current.</summary>
    private async Task<int> InsertLinkAsync(string merchantId, string kind, string value, Guid customerId, BatchLinks? batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inserted = await InsertLinkRowAsync(merchantId, kind, value, customerId, now, cancellationToken);
        if (batch is { Abandoned: false })
        {
            if (inserted == 1)
            {
                batch.Remember(merchantId, kind, value, customerId);
            }
            else
            {
                // Another transaction linked it after the batch read: from now on each sale reads its own links.
                batch.Abandon();
            }
        }

        return inserted;
    }

    private Task<int> InsertLinkRowAsync(string merchantId, string kind, string value, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO customer_links (merchant_id, kind, value, customer_id, created_at)
            VALUES ({merchantId}, {kind}, {value}, {customerId}, {now})
            ON CONFLICT (merchant_id, kind, value) DO NOTHING
            """,
            cancellationToken);

    /// <summary>The customer an existing link points at.</summary>
    private Task<Guid> OwnerAsync(string merchantId, string kind, string value, CancellationToken cancellationToken) =>
        db.CustomerLinks.Where(l => l.MerchantId == merchantId && l.Kind == kind && l.Value == value).Select(l => l.CustomerId).SingleAsync(cancellationToken);
}

/// <summary>
/// The customer links a batch's sales name, read once for the batch (<see cref="CustomerResolver.ReadLinksAsync"/>),
/// and those the batch wrote since. Abandoned once a link could not be written because another transaction wrote it
/// first: from then on each sale reads its own.
/// </summary>
internal sealed class BatchLinks
{
    private Dictionary<(string MerchantId, string Kind, string Value), Guid>? _links = [];

    public bool Abandoned => _links is null;

    public bool TryGet(string merchantId, string kind, string value, out Guid customerId)
    {
        customerId = default;
        return _links is not null && _links.TryGetValue((merchantId, kind, value), out customerId);
    }

    public void Remember(string merchantId, string kind, string value, Guid customerId)
    {
        if (_links is not null)
        {
            _links[(merchantId, kind, value)] = customerId;
        }
    }

    public void Abandon() => _links = null;
}
