namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>A parsed RabbitMQ URI. <see cref="ToString"/> never shows the password.</summary>
public sealed record RabbitMqEndpoint(string Host, int Port, string VirtualHost, string Username, string Password, bool UseTls)
{
    public static RabbitMqEndpoint Parse(string uri)
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
        return new RabbitMqEndpoint(parsed.Host, port, vhost.Length == 0 ? "/" : vhost, user, password, tls);
    }

    public override string ToString() => $"{(UseTls ? "amqps" : "amqp")}://{Username}@{Host}:{Port}/{(VirtualHost == "/" ? string.Empty : VirtualHost)}";

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
}
