using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Testing;

/// <summary>
/// A stand-in for Google on a loopback port: the OAuth token endpoint (<c>POST /token</c>, the JWT-bearer grant a
/// service account makes, its signature checked against the test account's public key) and the walletobjects v1
/// API for loyalty classes and objects (<c>/walletobjects/v1/</c>): get, insert (409 when it exists), patch
/// (merge of the fields sent, null clears one; 404 when missing) and update (PUT, recorded so tests can prove it is
/// never used). Every API call must carry a bearer token it issued; errors use Google's JSON error shape.
/// For Wallet callbacks it publishes its root key (<c>GET /gp/m/issuer/keys</c>, <see cref="CallbackKeysUrl"/>) and
/// posts signed callbacks (<see cref="SendCallbackAsync"/>) to the URL a class names in <c>callbackOptions</c>.
/// </summary>
public sealed class FakeGoogleWalletServer : IAsyncDisposable
{
    public const string Scope = "https://www.googleapis.com/auth/wallet_object.issuer";

    /// <summary>The audience Google requires in a service account's grant assertion, whatever URL the grant is posted to.</summary>
    public const string Audience = "https://oauth2.googleapis.com/token";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _store = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<int> _failures = new();
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly Lock _gate = new();
    private int _tokenRequests;
    private int _keyRequests;

    private FakeGoogleWalletServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The public key that token assertions must verify against.</summary>
    public RSA? AccountKey { get; set; }

    public string AccountEmail { get; set; } = TestServiceAccount.Email;

    /// <summary>When set, the token endpoint answers 400 invalid_grant, as Google does for a deleted key.</summary>
    public bool RefuseTokens { get; set; }

    /// <summary>While set, every API call meets this outage instead of an answer (the token endpoint still works).</summary>
    public GoogleOutage Outage { get; set; }

    /// <summary>Runs after an API call is answered in the store and before the answer goes out (e.g. to change the card meanwhile).</summary>
    public Func<RecordedCall, Task>? OnCall { get; set; }

    public Uri ApiBaseUrl => new(_app.Urls.First() + "/walletobjects/v1/");

    public Uri TokenUrl => new(_app.Urls.First() + "/token");

    /// <summary>Google's root keys for callbacks and the callbacks it signs with them.</summary>
    public GoogleCallbackSigner Callbacks { get; } = new();

    /// <summary>Where the root keys are published (<c>SevenStamp:Wallet:Google:CallbackKeysUrl</c>).</summary>
    public Uri CallbackKeysUrl => new(_app.Urls.First() + "/gp/m/issuer/keys");

    /// <summary>While set, the keys endpoint answers 503.</summary>
    public bool KeysUnavailable { get; set; }

    /// <summary>How often the root keys were asked for.</summary>
    public int KeyRequests => Volatile.Read(ref _keyRequests);

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public IReadOnlyList<RecordedCall> Calls => [.. _calls];

    public static async Task<FakeGoogleWalletServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeGoogleWalletServer(app);
        app.MapPost("/token", (Delegate)server.TokenAsync);
        app.MapGet("/gp/m/issuer/keys", (Delegate)server.Keys);
        app.Map("/walletobjects/v1/{resource}/{**id}", (Delegate)server.ApiAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The next API calls answer with these statuses, in order, before answering normally again.</summary>
    public void FailNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _failures.Enqueue(status);
        }
    }

    /// <summary>Forgets every token issued so far: the next API call gets 401 until a new token is fetched.</summary>
    public void RevokeTokens() => _tokens.Clear();

    public JsonObject? Find(string resource, string id)
    {
        lock (_gate)
        {
            return _store.TryGetValue(resource + "/" + id, out var stored) ? (JsonObject)stored.DeepClone() : null;
        }
    }

    /// <summary>
    /// The customer saves (or, with <c>del</c> in <paramref name="knobs"/>, deletes) object <paramref name="objectId"/>:
    /// Google posts a signed callback to the <c>callbackOptions.url</c> of the object's class, reached through
    /// <paramref name="host"/> (the test's host listens on a port the class's URL cannot know). Throws when the object
    /// or its class's callback URL is missing, as Google would then call nobody.
    /// </summary>
    public async Task<HttpResponseMessage> SendCallbackAsync(string objectId, Uri host, GoogleCallbackSigner.CallbackKnobs? knobs = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var body = CallbackFor(objectId, knobs, out var url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        return await http.PostAsync(new Uri(host, url.PathAndQuery), content);
    }

    /// <summary>The signed callback body Google would post about <paramref name="objectId"/>, and the URL its class names.</summary>
    public string CallbackFor(string objectId, GoogleCallbackSigner.CallbackKnobs? knobs, out Uri url)
    {
        var stored = Find("loyaltyObject", objectId) ?? throw new InvalidOperationException($"No loyalty object {objectId}: nothing was saved.");
        var classId = stored["classId"]!.GetValue<string>();
        var callbackUrl = Find("loyaltyClass", classId)?["callbackOptions"]?["url"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"Class {classId} has no callbackOptions.url: Google would call nobody.");
        url = new Uri(callbackUrl);
        return Callbacks.Sign(objectId[..objectId.IndexOf('.', StringComparison.Ordinal)], classId, objectId, knobs);
    }

    public IReadOnlyList<RecordedCall> CallsTo(string method, string resource) =>
        [.. Calls.Where(c => c.Method == method && c.Resource == resource)];

    private IResult Keys()
    {
        Interlocked.Increment(ref _keyRequests);
        return KeysUnavailable
            ? Results.StatusCode(503)
            : Results.Text(Callbacks.KeysJson(), "application/json");
    }

    private async Task<IResult> TokenAsync(HttpContext http)
    {
        Interlocked.Increment(ref _tokenRequests);
        var form = await http.Request.ReadFormAsync();
        if (RefuseTokens)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "Invalid JWT Signature." }, statusCode: 400);
        }

        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || AccountKey is null)
        {
            return Results.Json(new { error = "unsupported_grant_type", error_description = "Expected the JWT bearer grant." }, statusCode: 400);
        }

        var verified = TestServiceAccount.VerifyJwt(AccountKey, form["assertion"].ToString());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var problem = verified switch
        {
            null => "Invalid JWT Signature.",
            { Header: var h } when h["alg"]?.GetValue<string>() != "RS256" => "Invalid JWT: alg must be RS256.",
            { Claims: var c } when c["iss"]?.GetValue<string>() != AccountEmail => "Invalid JWT: iss is not the service account.",
            { Claims: var c } when c["aud"]?.GetValue<string>() != Audience => "Invalid JWT: aud must be " + Audience,
            { Claims: var c } when !(c["scope"]?.GetValue<string>() ?? string.Empty).Split(' ').Contains(Scope) => "Invalid JWT: the wallet scope is missing.",
            { Claims: var c } when c["exp"]?.GetValue<long>() is not { } exp || exp < now => "Invalid JWT: expired.",
            { Claims: var c } when c["iat"]?.GetValue<long>() is not { } iat || iat > now + 300 => "Invalid JWT: iat in the future.",
            _ => null,
        };
        if (problem is not null)
        {
            return Results.Json(new { error = "invalid_grant", error_description = problem }, statusCode: 400);
        }

        var token = "ya29.fake-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = true;
        return Results.Json(new { access_token = token, expires_in = 3599, token_type = "Bearer" });
    }

    private async Task<IResult> ApiAsync(HttpContext http, string resource, string? id)
    {
        var method = http.Request.Method;
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync();
        var authorization = http.Request.Headers.Authorization.ToString();
        var authorized = authorization.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.ContainsKey(authorization["Bearer ".Length..]);
        var body = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        int status;
        IResult result;
        if (Outage == GoogleOutage.Hanging)
        {
            // A Google that takes the request and never answers: held until the caller gives up.
            _calls.Enqueue(new RecordedCall(method, resource, id, body, 0));
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(2), http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return Results.Empty;
        }

        if (Outage == GoogleOutage.Unavailable)
        {
            (status, result) = Error(503, "The service is currently unavailable.", "UNAVAILABLE");
        }
        else if (!authorized)
        {
            (status, result) = Error(401, "Request is missing required authentication credential.", "UNAUTHENTICATED");
        }
        else if (_failures.TryDequeue(out var failure))
        {
            (status, result) = Error(failure, failure == 429 ? "Quota exceeded." : "The service is currently unavailable.", failure == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE");
        }
        else
        {
            (status, result) = Handle(method, resource, id, body);
        }

        var call = new RecordedCall(method, resource, id, body, status);
        _calls.Enqueue(call);
        if (OnCall is { } hook)
        {
            await hook(call);
        }

        return result;
    }

    private const string AddMessageSuffix = "/addMessage";

    /// <summary>
    /// <c>POST {resource}/{id}/addMessage</c> with <c>{"message": {...}}</c>: appends the message to the object's
    /// <c>messages</c> (404 when the object is missing, 400 without an id, header, body or message type, 409 when a
    /// message of that id is there already). Call under the gate.
    /// </summary>
    private (int, IResult) AddMessage(string resource, string id, JsonObject? body)
    {
        if (!_store.TryGetValue(resource + "/" + id, out var existing))
        {
            return Error(404, $"Resource not found: {id}", "NOT_FOUND");
        }

        if (body?["message"] is not JsonObject message || message["id"] is null || message["header"] is null || message["body"] is null || message["messageType"] is null)
        {
            return Error(400, "message with id, header, body and messageType is required.", "INVALID_ARGUMENT");
        }

        var messages = existing["messages"] as JsonArray ?? [];
        if (messages.Any(m => m?["id"]?.GetValue<string>() == message["id"]!.GetValue<string>()))
        {
            return Error(409, $"Message already exists: {message["id"]}", "ALREADY_EXISTS");
        }

        messages.Add(message.DeepClone());
        existing["messages"] = messages.DeepClone();
        return Ok(existing);
    }

    private (int, IResult) Handle(string method, string resource, string? id, JsonObject? body)
    {
        if (resource is not ("loyaltyClass" or "loyaltyObject"))
        {
            return Error(404, $"Unknown resource {resource}.", "NOT_FOUND");
        }

        lock (_gate)
        {
            switch (method)
            {
                case "GET" when id is not null:
                    return _store.TryGetValue(resource + "/" + id, out var found) ? Ok(found) : Error(404, $"Resource not found: {id}", "NOT_FOUND");
                case "POST" when id is not null && id.EndsWith(AddMessageSuffix, StringComparison.Ordinal):
                    return AddMessage(resource, id[..^AddMessageSuffix.Length], body);
                case "POST" when id is null:
                    var newId = body?["id"]?.GetValue<string>();
                    if (body is null || string.IsNullOrEmpty(newId))
                    {
                        return Error(400, "Resource id is required.", "INVALID_ARGUMENT");
                    }

                    if (_store.ContainsKey(resource + "/" + newId))
                    {
                        return Error(409, $"Resource already exists: {newId}", "ALREADY_EXISTS");
                    }

                    if (resource == "loyaltyObject" && !_store.ContainsKey("loyaltyClass/" + body["classId"]?.GetValue<string>()))
                    {
                        return Error(404, $"Class not found: {body["classId"]}", "NOT_FOUND");
                    }

                    if (resource == "loyaltyClass" && (body["issuerName"] is null || body["reviewStatus"] is null || body["programLogo"] is null))
                    {
                        return Error(400, "issuerName, reviewStatus and programLogo are required.", "INVALID_ARGUMENT");
                    }

                    if (resource == "loyaltyObject" && body["state"] is null)
                    {
                        return Error(400, "state is required.", "INVALID_ARGUMENT");
                    }

                    var created = (JsonObject)body.DeepClone();
                    _store[resource + "/" + newId] = created;
                    return Ok(created);
                case "PATCH" when id is not null:
                    if (!_store.TryGetValue(resource + "/" + id, out var existing))
                    {
                        return Error(404, $"Resource not found: {id}", "NOT_FOUND");
                    }

                    foreach (var (name, value) in body ?? [])
                    {
                        if (value is null)
                        {
                            existing.Remove(name);
                        }
                        else
                        {
                            existing[name] = value.DeepClone();
                        }
                    }

                    return Ok(existing);
                case "PUT" when id is not null:
                    if (body is null || !_store.ContainsKey(resource + "/" + id))
                    {
                        return Error(404, $"Resource not found: {id}", "NOT_FOUND");
                    }

                    _store[resource + "/" + id] = (JsonObject)body.DeepClone();
                    return Ok(body);
                default:
                    return Error(405, $"{method} is not supported here.", "INVALID_ARGUMENT");
            }
        }
    }

    private static (int, IResult) Ok(JsonObject body) => (200, Results.Text(body.ToJsonString(), "application/json", statusCode: 200));

    private static (int, IResult) Error(int status, string message, string reason) =>
        (status, Results.Text(new JsonObject { ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = reason } }.ToJsonString(), "application/json", statusCode: status));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Callbacks.Dispose();
    }

    /// <summary>How the API misbehaves while <see cref="Outage"/> is set.</summary>
    public enum GoogleOutage
    {
        None,

        /// <summary>Every call answered 503 UNAVAILABLE.</summary>
        Unavailable,

        /// <summary>Every call held without an answer until the caller gives up (recorded with status 0).</summary>
        Hanging,
    }

    /// <summary>One API call: method, resource (<c>loyaltyClass</c>/<c>loyaltyObject</c>), id (null for an insert), the JSON body, the status answered.</summary>
    public sealed record RecordedCall(string Method, string Resource, string? Id, JsonObject? Body, int Status);
}
