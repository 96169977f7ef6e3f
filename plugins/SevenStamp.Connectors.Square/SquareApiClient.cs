using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// A small typed client for the parts of Square's Orders API the connector uses: RetrieveOrder
/// (<c>GET /v2/orders/{id}</c>) and SearchOrders (<c>POST /v2/orders/search</c>). Every request carries
/// <c>Authorization: Bearer …</c> and <c>Square-Version</c>; timeouts and retries with backoff on 408, 429 and 5xx
/// come from Microsoft.Extensions.Http.Resilience. Failures (an answer that is not JSON among them) surface as
/// <see cref="SquareApiException"/>, JSON answers whose fields are wrong as <see cref="SquarePayloadException"/>;
/// neither carries the token or a body.
/// </summary>
internal sealed class SquareApiClient : IDisposable
{
    private const int MaxOrdersPerPage = 1000;

    private readonly HttpClient _http;
    private readonly SquareClientOptions _options;

    public SquareApiClient(SquareSettings settings, SquareClientOptions options)
        : this(settings, options, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All })
    {
    }

    internal SquareApiClient(SquareSettings settings, SquareClientOptions options, HttpMessageHandler innerHandler)
    {
        _options = options;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
#pragma warning disable CA2000 // The HttpClient owns and disposes the handler chain.
        _http = new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = innerHandler }, disposeHandler: true)
#pragma warning restore CA2000
        {
            BaseAddress = settings.BaseUrl,
            // The pipeline's timeouts govern; this only backs them up.
            Timeout = options.TotalTimeout + TimeSpan.FromSeconds(5),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.AccessToken);
        _http.DefaultRequestHeaders.Add("Square-Version", settings.SquareVersion);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SevenStamp-Square-Connector", "0.1"));
    }

    /// <summary>
    /// RetrieveOrder. Null when Square does not know the order: a 404 carrying Square's <c>NOT_FOUND</c> error. A 404
    /// without it (a base URL or proxy that points elsewhere answers 404 for every order) is a
    /// <see cref="SquareApiException"/>, so the event is retried rather than dropped.
    /// </summary>
    public async Task<SquareOrder?> RetrieveOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        var call = "RetrieveOrder";
        using var request = new HttpRequestMessage(HttpMethod.Get, "v2/orders/" + Uri.EscapeDataString(orderId));
        using var response = await SendAsync(request, call, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var codes = await ErrorCodesAsync(response, cancellationToken);
            return codes.Split(", ").Contains("NOT_FOUND", StringComparer.Ordinal)
                ? null
                : throw new SquareApiException($"{call} answered 404{(codes.Length > 0 ? " (" + codes + ")" : string.Empty)} without Square's NOT_FOUND; check the connector's baseUrl", 404);
        }

        using var document = await ReadAsync(response, call, cancellationToken);
        return SquareOrder.Parse(SquareJson.RequiredObject(document.RootElement, "order", "order"), "order");
    }

    /// <summary>
    /// One page of SearchOrders: COMPLETED orders of up to ten locations whose <c>updated_at</c> lies in
    /// [<paramref name="updatedFrom"/>, <paramref name="updatedTo"/>], oldest first. A null cursor in the answer means the last page.
    /// </summary>
    public async Task<SearchOrdersPage> SearchCompletedOrdersAsync(IReadOnlyList<string> locationIds, DateTimeOffset updatedFrom, DateTimeOffset updatedTo, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locationIds);
        if (locationIds.Count is 0 or > 10)
        {
            throw new ArgumentException("SearchOrders takes one to ten location ids per call.", nameof(locationIds));
        }

        var call = "SearchOrders";
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/orders/search")
        {
            Content = new ByteArrayContent(SearchBody(locationIds, updatedFrom, updatedTo, cursor, Math.Clamp(_options.SearchPageSize, 1, MaxOrdersPerPage))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(request, call, cancellationToken);
        using var document = await ReadAsync(response, call, cancellationToken);
        var root = document.RootElement;
        SquareJson.RequireObject(root, "(SearchOrders answer)");
        var orders = SquareJson.OptionalArray(root, "orders", "orders", MaxOrdersPerPage)
            .Select(o => (Order: TryParse(o.Item, o.Path), o.Path))
            .ToList();
        return new SearchOrdersPage(
            [.. orders.Where(o => o.Order.Order is not null).Select(o => o.Order.Order!)],
            [.. orders.Where(o => o.Order.Problem is not null).Select(o => o.Order.Problem!)],
            SquareJson.OptionalText(root, "cursor", "cursor", 4096));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Formats an instant as Square wants it: RFC 3339, UTC, milliseconds.</summary>
    internal static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static (SquareOrder? Order, string? Problem) TryParse(JsonElement order, string path)
    {
        try
        {
            return (SquareOrder.Parse(order, path), null);
        }
        catch (SquarePayloadException ex)
        {
            return (null, ex.Message);
        }
    }

    private static byte[] SearchBody(IReadOnlyList<string> locationIds, DateTimeOffset updatedFrom, DateTimeOffset updatedTo, string? cursor, int limit)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("location_ids");
            foreach (var id in locationIds)
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
            json.WriteStartObject("query");
            json.WriteStartObject("filter");
            json.WriteStartObject("state_filter");
            json.WriteStartArray("states");
            json.WriteStringValue("COMPLETED");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("date_time_filter");
            json.WriteStartObject("updated_at");
            json.WriteString("start_at", FormatTimestamp(updatedFrom));
            json.WriteString("end_at", FormatTimestamp(updatedTo));
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            // A time filter only works with the sort on the same field.
            json.WriteStartObject("sort");
            json.WriteString("sort_field", "UPDATED_AT");
            json.WriteString("sort_order", "ASC");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteNumber("limit", limit);
            if (cursor is not null)
            {
                json.WriteString("cursor", cursor);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string call, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SquareApiException($"{call} failed: {ex.HttpRequestError}", null, ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new SquareApiException($"{call} timed out", null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SquareApiException($"{call} timed out", null, ex);
        }

        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
        {
            return response;
        }

        using (response)
        {
            var codes = await ErrorCodesAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? "; check the connector's accessToken and its ORDERS_READ permission"
                : string.Empty;
            throw new SquareApiException($"{call} answered {status}{(codes.Length > 0 ? " (" + codes + ")" : string.Empty)}{hint}", status);
        }
    }

    /// <summary>
    /// The answer's JSON. An answer that is not JSON at all (cut off, an error page) is a <see cref="SquareApiException"/>:
    /// the next try may get a whole one. A well-formed answer whose fields are wrong fails later, reading the order.
    /// </summary>
    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, string call, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return SquareJson.Parse(body, $"the {call} answer");
        }
        catch (SquarePayloadException ex)
        {
            throw new SquareApiException(ex.Message, (int)response.StatusCode, ex);
        }
    }

    /// <summary>Square's error codes (<c>{"errors":[{"category":…,"code":…}]}</c>), never its detail texts.</summary>
    private static async Task<string> ErrorCodesAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            using var document = JsonDocument.Parse(body, SquareJson.Options);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array
                ? string.Join(", ", errors.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                    .Select(e => e.GetProperty("code").GetString()!)
                    .Where(c => c.Length <= 64 && c.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                    .Take(5))
                : string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a code that is not text: no codes to report.
            return string.Empty;
        }
    }
}
