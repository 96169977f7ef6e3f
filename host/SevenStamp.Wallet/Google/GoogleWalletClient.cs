using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// A small client of the Google Wallet REST API (walletobjects v1) for loyalty classes and objects: get, insert
/// and patch. Never <c>update</c> (PUT), which erases every field the body leaves out. Retries of 429/5xx and the
/// bearer token are the handlers' job (see <see cref="GoogleWalletServiceCollectionExtensions"/>).
/// </summary>
public sealed class GoogleWalletClient(HttpClient http)
{
    public const string LoyaltyClass = "loyaltyClass";
    public const string LoyaltyObject = "loyaltyObject";

    /// <summary>The resource, or null when Google answers 404.</summary>
    public async Task<JsonObject?> GetAsync(string resource, string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path(resource, id));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadAsync(response, "GET", resource, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts the resource; false when it exists already (Google answers 409).</summary>
    public async Task<bool> InsertAsync(string resource, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, resource) { Content = Json(body) };
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await ReadAsync(response, "insert", resource, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Patches the fields the body carries (an explicit null clears one); null when the resource does not exist.</summary>
    public async Task<JsonObject?> PatchAsync(string resource, string id, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var request = new HttpRequestMessage(HttpMethod.Patch, Path(resource, id)) { Content = Json(body) };
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadAsync(response, "patch", resource, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a message to the object (<c>POST {resource}/{id}/addMessage</c>); a message of type
    /// <c>TEXT_AND_NOTIFY</c> also notifies the customer's phone. False when the object does not exist; a message whose
    /// id Google already has (409: a retry) counts as added.
    /// </summary>
    public async Task<bool> AddMessageAsync(string resource, string id, JsonObject message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, Path(resource, id) + "/addMessage") { Content = Json(new JsonObject { ["message"] = message }) };
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return true;
        }

        await ReadAsync(response, "addMessage", resource, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string Path(string resource, string id) => $"{resource}/{Uri.EscapeDataString(id)}";

    private static StringContent Json(JsonObject body)
    {
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response, string operation, string resource, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? [];
            }
            catch (JsonException)
            {
                return [];
            }
        }

        var status = (int)response.StatusCode;
        var transient = status is 408 or 429 or >= 500;
        var hint = status switch
        {
            401 => " Google did not accept the access token; check the service account key.",
            403 => " The service account may not act for this issuer: add its e-mail as a user of the issuer in the Google Pay & Wallet Console.",
            _ => string.Empty,
        };
        throw new GoogleWalletException($"Google Wallet answered {status} to {operation} {resource}: {ErrorMessage(text)}.{hint}", status, transient);
    }

    /// <summary>Google's <c>{"error": {"message": …}}</c>, on one short line (it never holds secrets, but it may be long).</summary>
    private static string ErrorMessage(string body)
    {
        string message;
        try
        {
            message = JsonNode.Parse(body)?["error"]?["message"]?.GetValue<string>() ?? "no error message";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            message = "no error message";
        }

        message = message.ReplaceLineEndings(" ");
        return message.Length > 300 ? message[..300] : message;
    }
}

/// <summary>Puts the service account's bearer token on every call; after a 401 it fetches a fresh token and tries once more.</summary>
internal sealed class GoogleBearerTokenHandler(GoogleServiceAccount account) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await account.GetAccessTokenAsync(false, cancellationToken).ConfigureAwait(false));
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // A token revoked or expired early: one fresh token, one more try; a second 401 is reported as it is.
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await account.GetAccessTokenAsync(true, cancellationToken).ConfigureAwait(false));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
