using System.Buffers;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Webhooks;

/// <summary>
/// <c>POST /webhooks/{connectorId}</c>: hands the raw request to the connector and answers with its status.
/// The body is read in full (bounded) before the connector sees it, so signatures are checked over the exact
/// bytes; a 2xx goes out only after the connector's records were confirmed by the broker.
/// </summary>
internal static partial class WebhookEndpoint
{
    /// <summary>The Retry-After of a paused connector's webhooks (seconds).</summary>
    internal const string PausedRetryAfterSeconds = "30";

    /// <summary>The Retry-After of a connector being started or replaced (seconds).</summary>
    internal const string PendingRetryAfterSeconds = "5";

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder endpoints)
    {
        // Anonymous to the accounts: each connector checks its POS's signature itself.
        endpoints.MapPost("/webhooks/{connectorId}", HandleAsync).AllowAnonymous().WithRequestBody<System.Text.Json.JsonElement>(); // the POS's own event, as its connector reads it
        return endpoints;
    }

    internal static async Task<IResult> HandleAsync(
        string connectorId,
        HttpContext http,
        ConnectorSupervisor supervisor,
        IOptions<SevenStampOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger(typeof(WebhookEndpoint));
        if (!ConnectorManifest.IsValidId(connectorId) || !supervisor.TryGet(connectorId, out var runtime))
        {
            return Answer(StatusCodes.Status404NotFound, "not_found", "no connector is configured under this URL");
        }

        // Counted in before its state is looked at, so a replace or pause waits for this call rather than stopping under it.
        runtime.EnterCall();
        try
        {
            return await HandleInAsync(runtime, http, options.Value, timeProvider, logger);
        }
        finally
        {
            runtime.ExitCall();
        }
    }

    private static async Task<IResult> HandleInAsync(ConnectorRuntime runtime, HttpContext http, SevenStampOptions hostOptions, TimeProvider timeProvider, ILogger logger)
    {
        if (runtime.IsRetiring)
        {
            http.Response.Headers.RetryAfter = PendingRetryAfterSeconds;
            return Answer(StatusCodes.Status503ServiceUnavailable, "unavailable", $"connector '{runtime.Id}' is being changed; retry");
        }

        if (runtime.State != ConnectorState.Running || runtime.Task is not { } task)
        {
            // Paused, or being (re)started: the POS retries later and nothing is lost.
            if (runtime.State is ConnectorState.Paused or ConnectorState.Pending)
            {
                http.Response.Headers.RetryAfter = runtime.State == ConnectorState.Paused ? PausedRetryAfterSeconds : PendingRetryAfterSeconds;
            }

            return Answer(StatusCodes.Status503ServiceUnavailable, "unavailable", $"connector '{runtime.Id}' is {runtime.State.ToString().ToLowerInvariant()}");
        }

        if (task is not IWebhookReceiver receiver)
        {
            return Answer(StatusCodes.Status405MethodNotAllowed, "not_supported", $"connector '{runtime.Id}' does not receive webhooks");
        }

        if (runtime.CircuitOpenUntil(timeProvider.GetUtcNow()) is { } openUntil)
        {
            HostMetrics.Webhook(runtime.Id, WebhookOutcome.Unavailable, TimeSpan.Zero);
            return Answer(StatusCodes.Status503ServiceUnavailable, "unavailable", $"connector '{runtime.Id}' keeps failing; its circuit is open until {openUntil:u}");
        }

        var limits = hostOptions.Webhooks;
        var body = await ReadBodyAsync(http.Request, limits.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            LogTooLarge(logger, runtime.Id, limits.MaxBodyBytes);

            // The rest of the body is not read, so the connection cannot carry another request: tell the client.
            http.Response.Headers.Connection = "close";
            return Answer(StatusCodes.Status413PayloadTooLarge, "too_large", $"the body exceeds {limits.MaxBodyBytes} bytes");
        }

        var now = timeProvider.GetUtcNow();
        var started = timeProvider.GetTimestamp();
        runtime.CountEventIn(now);
        var request = new WebhookRequest(http.Request.Method, ReadHeaders(http.Request.Headers), body, now, http.Request.QueryString.HasValue ? http.Request.QueryString.Value : null);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(limits.Timeout);
        WebhookResponse response;
        try
        {
            response = await receiver.HandleWebhookAsync(request, timeout.Token).WaitAsync(timeout.Token);
        }
        catch (CheckoutSinkUnavailableException ex)
        {
            LogUnavailable(logger, runtime.Id, ex.Message);
            response = WebhookResponse.Unavailable();
        }
        catch (CheckoutRecordRejectedException ex)
        {
            // The POS sent something no record may carry (CheckoutText's rule): bad input, answered like any other
            // and not a fault of the connector, so it never counts toward its circuit.
            response = WebhookResponse.Invalid($"{ex.Field} {ex.Problem}");
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            // A connector that ignores its token is abandoned here; its hung call counts against its circuit.
            LogTimedOut(logger, runtime.Id, limits.Timeout.TotalSeconds);
            runtime.CountFailure(timeProvider.GetUtcNow(), hostOptions.CircuitBreakerFailures, hostOptions.CircuitBreakerOpenFor);
            response = WebhookResponse.Unavailable("timed out before the event was durable; retry");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            LogConnectorError(logger, ex, runtime.Id);
            runtime.CountFailure(timeProvider.GetUtcNow(), hostOptions.CircuitBreakerFailures, hostOptions.CircuitBreakerOpenFor);
            HostMetrics.Webhook(runtime.Id, WebhookOutcome.Unavailable, timeProvider.GetElapsedTime(started));
            return Answer(StatusCodes.Status500InternalServerError, "error", "the connector failed to process the event; it was not recorded");
        }

        if (response.Outcome == WebhookOutcome.Unauthorized)
        {
            runtime.CountSignatureFailure();
        }
        else if (response.Outcome == WebhookOutcome.Ignored)
        {
            runtime.CountIgnored();
        }
        else if (response.Outcome == WebhookOutcome.Invalid)
        {
            runtime.CountInvalid();
        }

        if (response.Outcome != WebhookOutcome.Unavailable)
        {
            runtime.CountSuccess();
        }

        LogHandled(logger, runtime.Id, response.StatusCode, response.Outcome);
        HostMetrics.Webhook(runtime.Id, response.Outcome, timeProvider.GetElapsedTime(started));
        return Answer(response.StatusCode, response.Outcome.ToString().ToLowerInvariant(), response.Message);
    }

    private static IResult Answer(int status, string outcome, string message) =>
        Results.Json(new WebhookAnswer(outcome, message), statusCode: status);

    /// <summary>Reads the whole body, or returns null as soon as it is larger than <paramref name="maxBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }

    private static Dictionary<string, string> ReadHeaders(IHeaderDictionary headers)
    {
        var result = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            result[name] = values.ToString();
        }

        return result;
    }

    private sealed record WebhookAnswer(string Outcome, string Message);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} refused: body larger than {MaxBytes} bytes")]
    private static partial void LogTooLarge(ILogger logger, string connectorId, int maxBytes);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} answered 503: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string connectorId, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} timed out after {Seconds} s; answered 503")]
    private static partial void LogTimedOut(ILogger logger, string connectorId, double seconds);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "Connector {ConnectorId} threw while handling a webhook; answered 500")]
    private static partial void LogConnectorError(ILogger logger, Exception exception, string connectorId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "Webhook for {ConnectorId} answered {StatusCode} ({Outcome})")]
    private static partial void LogHandled(ILogger logger, string connectorId, int statusCode, WebhookOutcome outcome);
}
