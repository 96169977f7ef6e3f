using System.Collections.Frozen;
using System.Text.Json;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Messaging;

/// <summary>Writes events as outbox rows in the caller's transaction; <see cref="OutboxRelay"/> publishes them.</summary>
public static class Outbox
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every contract type, by the name stored in <see cref="OutboxMessage.MessageType"/>.</summary>
    internal static readonly FrozenDictionary<string, Type> ContractTypes = typeof(SaleCompleted).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace == typeof(SaleCompleted).Namespace)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>Adds <paramref name="message"/> to the context; it is written by the next <c>SaveChanges</c>.</summary>
    public static void Enqueue<T>(LoyaltyDbContext db, T message, DateTimeOffset now)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(message);
        if (!ContractTypes.ContainsKey(typeof(T).Name))
        {
            throw new ArgumentException($"{typeof(T).Name} is not a message contract.", nameof(message));
        }

        db.Outbox.Add(new OutboxMessage { MessageType = typeof(T).Name, Payload = JsonSerializer.Serialize(message, Json), CreatedAt = now });
    }
}
