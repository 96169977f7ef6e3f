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

    /// <summary>
    /// The header carrying an event's outbox row id: it grows with the order the events were written in, and a card's
    /// events are written under its row lock, so it orders one card's events.
    /// </summary>
    public const string SequenceHeader = "SevenStamp-Event-Sequence";

    /// <summary>The message id an outbox row is published with: the same on every publish of the row.</summary>
    public static Guid MessageIdOf(long rowId)
    {
        Span<byte> bytes = stackalloc byte[16];
        "outbox\0\0"u8.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], rowId);
        return new Guid(bytes, bigEndian: true);
    }

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
