using System.Text;
using RabbitMQ.Client;
using SevenStamp.Connectors.Host.Messaging;

namespace SevenStamp.Connectors.Host.Operations;

/// <summary>
/// <c>errors list|show|replay|purge</c>: the operator's tool for the messages MassTransit moved to the
/// <c>*_error</c> queues after their retries ran out. <c>show</c> prints each message's type, id and fault reason
/// (bodies only with <c>--body</c>); <c>replay</c> moves messages back to their queue with publisher confirms, acking
/// the error copy only after the broker has the replayed one; <c>purge</c> needs <c>--yes</c>.
/// </summary>
internal sealed class ErrorQueueCommand(BusOptions bus, TextWriter output)
{
    /// <summary>
    /// Every consumer queue the host declares (the loyalty consumers' and the wallet updaters'), before the
    /// <c>SevenStamp:Bus:NamePrefix</c>; the command looks at their error queues by default.
    /// </summary>
    public static readonly string[] KnownQueues = HostQueues.Consumers;

    private const string Usage = """
        usage: errors list
               errors show   [--queue NAME] [--count N] [--body]
               errors replay [--queue NAME] [--count N]
               errors purge  --queue NAME --yes
        NAME is a consumer queue (sale-completed, sale-refunded, apple-pass-updates,
        google-wallet-updates); its error queue is NAME_error.
        The broker is SevenStamp:Bus:RabbitMqUri (and SevenStamp:Bus:NamePrefix), from appsettings.json,
        SevenStamp__Bus__RabbitMqUri or --SevenStamp:Bus:RabbitMqUri=amqp://...
        """;

    /// <summary>The command's name, the host's first argument: <c>errors list</c>.</summary>
    public const string Name = "errors";

    /// <summary>
    /// Runs the command from the host's command line (the arguments after <see cref="Name"/>) without starting the
    /// host: the broker settings come from <c>appsettings.json</c> beside it, the environment and any
    /// <c>--SevenStamp:…</c> argument; the other arguments are the command's.
    /// </summary>
    public static async Task<int> RunFromCommandLineAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. args.Where(a => a.StartsWith("--SevenStamp:", StringComparison.Ordinal))])
            .Build();
        var bus = configuration.GetSection("SevenStamp:Bus").Get<BusOptions>() ?? new BusOptions();
        return await new ErrorQueueCommand(bus, Console.Out).RunAsync([.. args.Where(a => !a.StartsWith("--SevenStamp:", StringComparison.Ordinal))], CancellationToken.None);
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var verb = args.Count > 0 ? args[0] : "list";
        var queue = Option(args, "--queue");
        var count = int.TryParse(Option(args, "--count"), out var n) && n > 0 ? n : 20;
        if (verb is not ("list" or "show" or "replay" or "purge") || (queue is not null && !KnownQueues.Contains(queue) && !queue.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        await using var connection = await RabbitMqEndpoint.Parse(bus.RabbitMqUri, bus.RabbitMqNodes).ConnectAsync("sevenstamp-errors", cancellationToken);
        var queues = queue is null ? KnownQueues : [queue];
        var prefix = bus.NamePrefix ?? string.Empty;
        switch (verb)
        {
            case "list":
                foreach (var name in queues)
                {
                    var depth = await DepthAsync(connection, $"{prefix}{name}_error", cancellationToken);
                    await output.WriteLineAsync(depth is { } messages ? $"{prefix}{name}_error\t{messages} message(s)" : $"{prefix}{name}_error\tno such queue");
                }

                return 0;
            case "show":
                foreach (var name in queues)
                {
                    await ShowAsync(connection, $"{prefix}{name}_error", count, args.Contains("--body"), cancellationToken);
                }

                return 0;
            case "replay":
                foreach (var name in queues)
                {
                    var moved = await ReplayAsync(connection, $"{prefix}{name}_error", $"{prefix}{name}", count, cancellationToken);
                    await output.WriteLineAsync($"{prefix}{name}_error: {moved} message(s) replayed to {prefix}{name}");
                }

                return 0;
            default:
                if (queue is null || !args.Contains("--yes"))
                {
                    await output.WriteLineAsync("purge deletes messages for good: name the queue with --queue and confirm with --yes");
                    return 2;
                }

                await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
                {
                    var purged = await channel.QueuePurgeAsync($"{prefix}{queue}_error", cancellationToken);
                    await output.WriteLineAsync($"{prefix}{queue}_error: {purged} message(s) purged");
                }

                return 0;
        }
    }

    private static async Task<uint?> DepthAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes the channel, so each check gets a channel of its own.
        try
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }

    private async Task ShowAsync(IConnection connection, string queue, int count, bool body, CancellationToken cancellationToken)
    {
        if (await DepthAsync(connection, queue, cancellationToken) is not { } depth)
        {
            await output.WriteLineAsync($"{queue}: no such queue");
            return;
        }

        await output.WriteLineAsync($"{queue}: {depth} message(s)");
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.BasicQosAsync(0, (ushort)Math.Min(count, ushort.MaxValue), false, cancellationToken);
        var held = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            var message = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken);
            if (message is null)
            {
                break;
            }

            held.Add(message.DeliveryTag);
            var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
            await output.WriteLineAsync($"- id {message.BasicProperties.MessageId ?? "?"}  type {Header(headers, "MT-MessageType") ?? EnvelopeType(message.Body) ?? message.BasicProperties.Type ?? "?"}");
            await output.WriteLineAsync(Header(headers, "x-first-death-reason") is { } death
                ? $"  dead-lettered by the broker ({death}): delivered too often without an ack, e.g. the host died while handling it"
                : $"  fault {Header(headers, "MT-Fault-ExceptionType") ?? "?"}: {Header(headers, "MT-Fault-Message") ?? Header(headers, "MT-Reason") ?? "?"}");
            await output.WriteLineAsync($"  at {Header(headers, "MT-Fault-Timestamp") ?? "?"}  consumer {Header(headers, "MT-Fault-ConsumerType") ?? "?"}  {message.Body.Length} bytes");
            if (body)
            {
                await output.WriteLineAsync("  " + Encoding.UTF8.GetString(message.Body.Span));
            }
        }

        // Looking changes nothing: every message goes back to the error queue.
        foreach (var tag in held)
        {
            await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
        }
    }

    private static async Task<int> ReplayAsync(IConnection connection, string errorQueue, string queue, int count, CancellationToken cancellationToken)
    {
        if (await DepthAsync(connection, errorQueue, cancellationToken) is not { } depth)
        {
            return 0;
        }

        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var moved = 0;

        // At most the messages there now: one that fails again and comes back is not replayed twice in one run.
        for (var i = 0; i < Math.Min(count, depth); i++)
        {
            var message = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
            if (message is null)
            {
                break;
            }

            var properties = new BasicProperties(message.BasicProperties)
            {
                Headers = message.BasicProperties.Headers?
                    .Where(h => !h.Key.StartsWith("MT-Fault", StringComparison.Ordinal) && h.Key != "MT-Reason" && !IsDeathHeader(h.Key))
                    .ToDictionary(h => h.Key, h => h.Value),
                Persistent = true,
            };

            // The default exchange routes by queue name; the confirm comes before the error copy is acked.
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, message.Body, cancellationToken);
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }

        return moved;
    }

    /// <summary>The first message type of a MassTransit envelope, read without printing anything else of the body.</summary>
    private static string? EnvelopeType(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var envelope = System.Text.Json.JsonDocument.Parse(body);
            return envelope.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == System.Text.Json.JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The broker's dead-letter headers (<c>x-death</c>, <c>x-first-death-*</c>, <c>x-last-death-*</c>).</summary>
    private static bool IsDeathHeader(string name) =>
        name is "x-death" || name.StartsWith("x-first-death-", StringComparison.Ordinal) || name.StartsWith("x-last-death-", StringComparison.Ordinal);

    private static string? Header(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        } : null;

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }
}
