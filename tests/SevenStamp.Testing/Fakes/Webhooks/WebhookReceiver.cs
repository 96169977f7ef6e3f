using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Testing.Fakes.Webhooks;

/// <summary>
/// A merchant's endpoint for outbound webhooks on loopback: records every request (headers and body as received) per
/// path, answers what the test sets (200 by default), and can go down for real (stop listening) and come back on the
/// same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _port;

    private WebhookReceiver()
    {
    }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<Received> All => [.. _received];

    public bool IsUp => _app is not null;

    /// <summary>The URL of <paramref name="path"/> on this receiver (e.g. <c>merchant-a</c>).</summary>
    public string UrlOf(string path) => $"http://127.0.0.1:{_port}/hooks/{path}";

    /// <summary>The requests to <paramref name="path"/>, in arrival order.</summary>
    public IReadOnlyList<Received> To(string path) => [.. _received.Where(r => r.Path == path)];

    /// <summary>Answers <paramref name="status"/> to every request to <paramref name="path"/> from now on.</summary>
    public void Answer(string path, HttpStatusCode status) => _answers[path] = (int)status;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.UpAsync();
        return receiver;
    }

    /// <summary>Starts listening (again, on the same port after <see cref="DownAsync"/>).</summary>
    public async Task UpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        var app = builder.Build();
        app.MapPost("/hooks/{path}", async (string path, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            var status = _answers.GetValueOrDefault(path, 200);
            _received.Enqueue(new Received(path, headers, body, status, DateTimeOffset.UtcNow));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        _port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>Stops listening: connections are refused until <see cref="UpAsync"/>.</summary>
    public async Task DownAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(DownAsync());

    /// <summary>One request as it arrived, with the status it was answered.</summary>
    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status, DateTimeOffset At)
    {
        public string MessageId => Headers.GetValueOrDefault("webhook-id", string.Empty);

        /// <summary>The headers as ASP.NET Core would hand them to a receiver's verifier.</summary>
        public IHeaderDictionary HeaderDictionary()
        {
            var dictionary = new HeaderDictionary();
            foreach (var (key, value) in Headers)
            {
                dictionary[key] = value;
            }

            return dictionary;
        }
    }
}
