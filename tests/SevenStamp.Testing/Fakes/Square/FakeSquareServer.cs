using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Testing;

/// <summary>
/// A stand-in for Square's Orders API on a loopback port: RetrieveOrder (<c>GET /v2/orders/{id}</c>) and SearchOrders
/// (<c>POST /v2/orders/search</c>, with location, state and updated_at filters, the matching sort, at most ten locations,
/// and cursor pagination of <see cref="PageSize"/> orders), answering with the documented JSON shapes. It checks the
/// bearer token, records every request, and can be told to fail the next requests (429, 500, …) or to answer the next
/// searches slowly.
/// </summary>
public sealed class FakeSquareServer : IAsyncDisposable
{
    public const string AccessToken = "fake-square-access-token-for-tests-0123456789";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StoredOrder> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<int> _failures = new();
    private readonly ConcurrentQueue<TimeSpan> _searchDelays = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeSquareServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The API base to give the connector (<c>baseUrl</c>).</summary>
    public Uri BaseUrl => new(_app.Urls.First() + "/");

    /// <summary>Orders per SearchOrders page, whatever limit the client asks for.</summary>
    public int PageSize { get; set; } = 2;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>A SearchOrders request carrying this cursor answers 500 (a page that keeps failing).</summary>
    public string? FailingCursor { get; set; }

    public static async Task<FakeSquareServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeSquareServer(app);
        app.MapGet("/v2/orders/{orderId}", server.RetrieveAsync);
        app.MapPost("/v2/orders/search", (Delegate)server.SearchAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Adds or replaces an order (Square's Order JSON).</summary>
    public void PutOrder(string orderJson)
    {
        using var document = JsonDocument.Parse(orderJson);
        var root = document.RootElement;
        var id = root.GetProperty("id").GetString()!;
        _orders[id] = new StoredOrder(
            id,
            root.GetProperty("location_id").GetString()!,
            root.TryGetProperty("state", out var state) ? state.GetString() : null,
            DateTimeOffset.Parse(root.GetProperty("updated_at").GetString()!, CultureInfo.InvariantCulture),
            orderJson);
    }

    /// <summary>The next requests (of any kind) answer with these statuses, in order, before answering normally again.</summary>
    public void FailNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _failures.Enqueue(status);
        }
    }

    /// <summary>The next SearchOrders requests each answer only after these delays, in order (a slow Square, so passes overlap).</summary>
    public void DelayNextSearches(params TimeSpan[] delays)
    {
        foreach (var delay in delays)
        {
            _searchDelays.Enqueue(delay);
        }
    }

    public IReadOnlyList<RecordedRequest> RequestsTo(string pathStart) => [.. Requests.Where(r => r.Path.StartsWith(pathStart, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> RetrieveAsync(HttpContext http, string orderId)
    {
        if ((await RecordAsync(http)).Refused is { } refused)
        {
            return refused;
        }

        return _orders.TryGetValue(orderId, out var order)
            ? Results.Text($$"""{"order":{{order.Json}}}""", "application/json", Encoding.UTF8)
            : Error(404, "INVALID_REQUEST_ERROR", "NOT_FOUND");
    }

    private async Task<IResult> SearchAsync(HttpContext http)
    {
        var (refusedSearch, body) = await RecordAsync(http);
        if (refusedSearch is { } refused)
        {
            return refused;
        }

        if (_searchDelays.TryDequeue(out var delay))
        {
            await Task.Delay(delay, http.RequestAborted);
        }

        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        var locations = root.TryGetProperty("location_ids", out var ids) ? ids.EnumerateArray().Select(i => i.GetString()!).ToHashSet(StringComparer.Ordinal) : [];
        if (locations.Count is 0 or > 10)
        {
            return Error(400, "INVALID_REQUEST_ERROR", "INVALID_VALUE");
        }

        IEnumerable<StoredOrder> matches = _orders.Values.Where(o => locations.Contains(o.LocationId));
        if (root.TryGetProperty("query", out var query))
        {
            if (query.TryGetProperty("filter", out var filter))
            {
                if (filter.TryGetProperty("state_filter", out var stateFilter))
                {
                    var states = stateFilter.GetProperty("states").EnumerateArray().Select(s => s.GetString()).ToHashSet(StringComparer.Ordinal);
                    matches = matches.Where(o => states.Contains(o.State));
                }

                if (filter.TryGetProperty("date_time_filter", out var timeFilter) && timeFilter.TryGetProperty("updated_at", out var range))
                {
                    // Square refuses a time filter whose field differs from the sort field.
                    if (!query.TryGetProperty("sort", out var sort) || sort.GetProperty("sort_field").GetString() != "UPDATED_AT")
                    {
                        return Error(400, "INVALID_REQUEST_ERROR", "INVALID_SORT_FIELD");
                    }

                    var start = range.TryGetProperty("start_at", out var s) ? DateTimeOffset.Parse(s.GetString()!, CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
                    var end = range.TryGetProperty("end_at", out var e) ? DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture) : DateTimeOffset.MaxValue;
                    matches = matches.Where(o => o.UpdatedAt >= start && o.UpdatedAt <= end);
                }
            }

            var descending = query.TryGetProperty("sort", out var order) && order.TryGetProperty("sort_order", out var direction) && direction.GetString() == "DESC";
            matches = descending ? matches.OrderByDescending(o => o.UpdatedAt).ThenBy(o => o.Id, StringComparer.Ordinal) : matches.OrderBy(o => o.UpdatedAt).ThenBy(o => o.Id, StringComparer.Ordinal);
        }

        if (root.TryGetProperty("cursor", out var failing) && failing.GetString() == FailingCursor)
        {
            return Error(500, "API_ERROR", "INTERNAL_SERVER_ERROR");
        }

        var skip = root.TryGetProperty("cursor", out var cursor) ? int.Parse(cursor.GetString()!["page-".Length..], CultureInfo.InvariantCulture) : 0;
        var all = matches.ToList();
        var page = all.Skip(skip).Take(PageSize).ToList();
        var next = skip + page.Count < all.Count ? $",\"cursor\":\"page-{skip + page.Count}\"" : string.Empty;
        return Results.Text($$"""{"orders":[{{string.Join(",", page.Select(o => o.Json))}}]{{next}}}""", "application/json", Encoding.UTF8);
    }

    /// <summary>Records the request; answers for it when a failure is queued or the token is wrong.</summary>
    private async Task<(IResult? Refused, string Body)> RecordAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        _requests.Enqueue(new RecordedRequest(
            http.Request.Method,
            http.Request.Path.Value ?? string.Empty,
            http.Request.Headers.Authorization.ToString(),
            http.Request.Headers["Square-Version"].ToString(),
            body));

        if (_failures.TryDequeue(out var status))
        {
            return (status == 429 ? Error(429, "RATE_LIMIT_ERROR", "RATE_LIMITED") : Error(status, "API_ERROR", "INTERNAL_SERVER_ERROR"), body);
        }

        return (http.Request.Headers.Authorization.ToString() == "Bearer " + AccessToken ? null : Error(401, "AUTHENTICATION_ERROR", "UNAUTHORIZED"), body);
    }

    private static IResult Error(int status, string category, string code) =>
        Results.Text($$"""{"errors":[{"category":"{{category}}","code":"{{code}}","detail":"fake failure"}]}""", "application/json", Encoding.UTF8, status);

    private sealed record StoredOrder(string Id, string LocationId, string? State, DateTimeOffset UpdatedAt, string Json);
}

/// <summary>A request the fake Square server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Authorization, string SquareVersion, string Body);
