using System.Globalization;

namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>
/// A parsed RabbitMQ URI, with the nodes of its cluster: the URI's own host first, then those of
/// <c>SevenStamp:Bus:RabbitMqNodes</c>. A connection goes to the first node that answers and, when that node stops,
/// to another. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record RabbitMqEndpoint(string Host, int Port, string VirtualHost, string Username, string Password, bool UseTls)
{
    /// <summary>Every node to connect to, the URI's host first; one entry when the broker is a single node.</summary>
    public IReadOnlyList<RabbitMqNode> Nodes { get; init; } = [new(Host, Port)];

    public static RabbitMqEndpoint Parse(string uri) => Parse(uri, null);

    /// <summary>
    /// Parses <paramref name="uri"/> and the other cluster nodes in <paramref name="nodes"/>: <c>host:port</c> (or
    /// <c>host</c>, on the URI's port) separated by commas; the URI's host may be among them.
    /// </summary>
    public static RabbitMqEndpoint Parse(string uri, string? nodes)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Scheme != "amqp" && parsed.Scheme != "amqps"))
        {
            throw new FormatException("SevenStamp:Bus:RabbitMqUri must look like amqp://user:password@host:5672/vhost (or amqps:// for TLS).");
        }

        var tls = parsed.Scheme == "amqps";
        var port = parsed.IsDefaultPort || parsed.Port <= 0 ? (tls ? 5671 : 5672) : parsed.Port;
        var vhost = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        var userInfo = parsed.UserInfo.Split(':', 2);
        var user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        var first = new RabbitMqNode(parsed.Host, port);
        var all = new List<RabbitMqNode> { first };
        foreach (var entry in (nodes ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var node = RabbitMqNode.Parse(entry, port);
            if (!all.Contains(node))
            {
                all.Add(node);
            }
        }

        return new RabbitMqEndpoint(parsed.Host, port, vhost.Length == 0 ? "/" : vhost, user, password, tls) { Nodes = all };
    }

    public override string ToString() =>
        $"{(UseTls ? "amqps" : "amqp")}://{Username}@{Host}:{Port}/{(VirtualHost == "/" ? string.Empty : VirtualHost)}"
        + (Nodes.Count > 1 ? $" (cluster: {string.Join(", ", Nodes)})" : string.Empty);

    /// <summary>A RabbitMQ.Client connection factory for this endpoint (the operator tools and the queue monitor).</summary>
    public RabbitMQ.Client.ConnectionFactory CreateFactory()
    {
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            VirtualHost = VirtualHost,
            UserName = Username,
            Password = Password,
        };
        if (UseTls)
        {
            factory.Ssl = new RabbitMQ.Client.SslOption { Enabled = true, ServerName = Host };
        }

        return factory;
    }

    /// <summary>A connection to the first node of <see cref="Nodes"/> that answers.</summary>
    public Task<RabbitMQ.Client.IConnection> ConnectAsync(string clientName, CancellationToken cancellationToken)
    {
        var endpoints = Nodes.Select(n => new RabbitMQ.Client.AmqpTcpEndpoint(n.Host, n.Port, UseTls ? new RabbitMQ.Client.SslOption { Enabled = true, ServerName = n.Host } : new RabbitMQ.Client.SslOption())).ToList();
        return CreateFactory().CreateConnectionAsync(endpoints, clientName, cancellationToken);
    }
}

/// <summary>One node of a RabbitMQ cluster.</summary>
public sealed record RabbitMqNode(string Host, int Port)
{
    internal static RabbitMqNode Parse(string entry, int defaultPort)
    {
        const string Help = "SevenStamp:Bus:RabbitMqNodes lists the cluster's nodes as host:port separated by commas, e.g. rabbit-2:5672,rabbit-3:5672";
        var colon = entry.LastIndexOf(':');
        var host = colon < 0 ? entry : entry[..colon];
        var port = defaultPort;
        if (colon >= 0 && (!int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new FormatException($"{Help}; \"{entry}\" has no valid port.");
        }

        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw new FormatException($"{Help}; \"{entry}\" has no valid host name.");
        }

        return new RabbitMqNode(host, port);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
