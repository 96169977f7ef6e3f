using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SevenStamp.Benchmarks;

/// <summary>
/// A merchant's endpoint for the outbound webhooks run: Kestrel on 127.0.0.1 with nothing else in the pipeline. It
/// reads each body, answers 200 at once, counts the requests and keeps when each <c>webhook-id</c> first arrived.
/// It does not verify signatures: the tests do; here it is the fastest honest receiver.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _arrivals = new(StringComparer.Ordinal);
    private int _requests;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Where to subscribe: <c>http://127.0.0.1:port/hooks</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Requests received, a retried delivery counted each time.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>When each <c>webhook-id</c> was first received (UTC).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Arrivals => _arrivals;

    public static async Task<WebhookReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            var at = DateTimeOffset.UtcNow;
            Interlocked.Increment(ref receiver._requests);
            if (context.Request.Headers["webhook-id"].ToString() is { Length: > 0 } id)
            {
                receiver._arrivals.TryAdd(id, at);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The webhook receiver did not report its address.");
        receiver.Url = new Uri(new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)), "/hooks");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
