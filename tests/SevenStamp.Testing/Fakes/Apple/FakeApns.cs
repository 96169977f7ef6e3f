using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Testing.Apple;

/// <summary>One push as the fake APNs received it.</summary>
public sealed record ReceivedPush(string DeviceToken, string Topic, string? PushType, string Body, string Protocol, string? JwtProblem, string Jwt)
{
    /// <summary>The provider token's <c>iat</c> claim.</summary>
    public long IssuedAt
    {
        get
        {
            using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(Jwt.Split('.')[1]));
            return claims.RootElement.GetProperty("iat").GetInt64();
        }
    }
}

/// <summary>
/// A local APNs: Kestrel speaking HTTP/2 only (cleartext, prior knowledge). It checks every request's ES256 JWT with
/// the test key's public key, the kid and iss, the topic, and answers per device token as told.
/// </summary>
public sealed class FakeApns : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPush> _pushes = new();
    private readonly ConcurrentQueue<string> _delivered = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string? Reason)>> _answers = new();

    private FakeApns(WebApplication app) => _app = app;

    public IReadOnlyCollection<ReceivedPush> Pushes => _pushes;

    public string Url => _app.Urls.First();

    /// <summary>When set, the <c>Retry-After</c> value every answer other than 200 carries.</summary>
    public string? RetryAfter { get; set; }

    public static async Task<FakeApns> StartAsync(ECDsa publicKey, string keyId, string teamId, string topic)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var fake = new FakeApns(app);
        app.MapPost("/3/device/{token}", async (string token, HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var authorization = http.Request.Headers.Authorization.ToString();
            var problem = CheckJwt(authorization, publicKey, keyId, teamId);
            var pushTopic = http.Request.Headers["apns-topic"].ToString();
            var jwt = authorization.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..] : string.Empty;
            fake._pushes.Enqueue(new ReceivedPush(token, pushTopic, http.Request.Headers["apns-push-type"].FirstOrDefault(), body, http.Request.Protocol, problem, jwt));
            if (problem is not null)
            {
                return Results.Json(new { reason = "InvalidProviderToken" }, statusCode: 403);
            }

            if (pushTopic != topic)
            {
                return Results.Json(new { reason = "TopicDisallowed" }, statusCode: 400);
            }

            if (fake._answers.TryGetValue(token, out var answers) && answers.TryDequeue(out var answer) && answer.Status != 200)
            {
                if (fake.RetryAfter is { } retryAfter)
                {
                    http.Response.Headers.RetryAfter = retryAfter;
                }

                return Results.Json(new { reason = answer.Reason }, statusCode: answer.Status);
            }

            fake._delivered.Enqueue(token);
            return Results.Ok();
        });
        await app.StartAsync();
        return fake;
    }

    /// <summary>The next answers for <paramref name="deviceToken"/>, in order; after them, 200.</summary>
    public void AnswerFor(string deviceToken, params (int Status, string? Reason)[] answers) =>
        _answers[deviceToken] = new ConcurrentQueue<(int, string?)>(answers);

    public int PushesTo(string deviceToken) => _pushes.Count(p => p.DeviceToken == deviceToken);

    /// <summary>Pushes to <paramref name="deviceToken"/> answered 200.</summary>
    public int DeliveredTo(string deviceToken) => _delivered.Count(t => t == deviceToken);

    private static string? CheckJwt(string authorization, ECDsa publicKey, string keyId, string teamId)
    {
        if (!authorization.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "no bearer token";
        }

        var parts = authorization[7..].Split('.');
        if (parts.Length != 3)
        {
            return "not a JWT";
        }

        var signature = Base64Url.DecodeFromChars(parts[2]);
        if (!publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return "bad signature";
        }

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        if (header.RootElement.GetProperty("alg").GetString() != "ES256" || header.RootElement.GetProperty("kid").GetString() != keyId)
        {
            return "bad header";
        }

        if (claims.RootElement.GetProperty("iss").GetString() != teamId)
        {
            return "bad iss";
        }

        var iat = DateTimeOffset.FromUnixTimeSeconds(claims.RootElement.GetProperty("iat").GetInt64());
        return Math.Abs((DateTimeOffset.UtcNow - iat).TotalMinutes) > 60 ? "iat older than an hour" : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
