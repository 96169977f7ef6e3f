using System.Net;
using System.Net.Sockets;

namespace SevenStamp.Testing;

/// <summary>
/// HTTP clients that connect from a loopback address of their own (127.0.0.2, 127.0.0.3, …; Linux routes all of
/// 127.0.0.0/8 to loopback), so a host on 127.0.0.1 sees each as a different client address: how tests tell clients
/// apart for the per-client rate limits without a proxy.
/// </summary>
public static class LoopbackClients
{
    /// <summary>A client of <paramref name="baseAddress"/> whose connections come from 127.0.0.<paramref name="lastOctet"/>.</summary>
    public static HttpClient From(byte lastOctet, Uri baseAddress)
    {
        var local = new IPAddress([127, 0, 0, lastOctet]);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }
}
