using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// The service account that acts for the issuer, read from the JSON key Google hands out. Access tokens come from
/// Google.Apis.Auth (a JWT-bearer grant to the token endpoint, cached and refreshed by the library); the Save
/// link is signed with the same key.
/// </summary>
public sealed class GoogleServiceAccount
{
    public const string WalletScope = "https://www.googleapis.com/auth/wallet_object.issuer";

    private readonly ServiceAccountCredential _credential;

    private GoogleServiceAccount(ServiceAccountCredential credential, string email, Uri tokenUrl)
    {
        _credential = credential;
        Email = email;
        TokenUrl = tokenUrl;
    }

    /// <summary>The service account's e-mail address (the Save JWT's <c>iss</c>).</summary>
    public string Email { get; }

    public Uri TokenUrl { get; }

    /// <summary>Reads the key file; <paramref name="tokenUrl"/> overrides its <c>token_uri</c>. Errors name the setting.</summary>
    public static GoogleServiceAccount FromKeyFile(string path, string? tokenUrl)
    {
        const string key = GoogleWalletOptions.SectionName + ":ServiceAccountKeyFile";
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidOperationException($"{key}: '{path}' is not a JSON object; download the service account's key again (JSON format).");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{key}: '{path}' is not valid JSON ({ex.Message}); download the service account's key again (JSON format).", ex);
        }

        string? Field(string name) => json[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

        if (Field("type") is { } type && type != "service_account")
        {
            throw new InvalidOperationException($"{key}: '{path}' is a '{type}' key; use a service account's key (\"type\": \"service_account\").");
        }

        var email = Field("client_email") ?? throw new InvalidOperationException($"{key}: '{path}' has no client_email; use the service account's JSON key as Google hands it out.");
        var privateKey = Field("private_key") ?? throw new InvalidOperationException($"{key}: '{path}' has no private_key; use the service account's JSON key as Google hands it out.");
        var tokenEndpoint = !string.IsNullOrWhiteSpace(tokenUrl) ? tokenUrl : Field("token_uri") ?? GoogleAuthConsts.OidcTokenUrl;
        if (!Uri.TryCreate(tokenEndpoint, UriKind.Absolute, out var tokenUri))
        {
            throw new InvalidOperationException($"{key}: the token endpoint '{tokenEndpoint}' is not an absolute URL; fix token_uri in the key or set {GoogleWalletOptions.SectionName}:TokenUrl.");
        }

        ServiceAccountCredential credential;
        try
        {
            credential = new ServiceAccountCredential(new ServiceAccountCredential.Initializer(email, tokenUri.ToString())
            {
                Scopes = [WalletScope],
                KeyId = Field("private_key_id"),
            }.FromPrivateKey(privateKey));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"{key}: the private_key in '{path}' cannot be read as an RSA key; download the service account's key again.", ex);
        }

        return new GoogleServiceAccount(credential, email, tokenUri);
    }

    /// <summary>A valid access token: the cached one, or a new one when it is about to expire.</summary>
    public async Task<string> GetAccessTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        try
        {
            if (forceRefresh)
            {
                await _credential.RequestAccessTokenAsync(cancellationToken).ConfigureAwait(false);
            }

            return await _credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (TokenResponseException ex)
        {
            var status = ex.StatusCode is { } code ? (int)code : 0;
            // Google answers 400/401 invalid_grant for a revoked or unknown key, a wrong clock or a wrong account;
            // those do not heal by retrying. A 5xx or 429 from the token endpoint does.
            var transient = status is 0 or 429 or >= 500;
            throw new GoogleWalletException(
                $"Google refused the service account's access token request ({status} {ex.Error?.Error}): check that {GoogleWalletOptions.SectionName}:ServiceAccountKeyFile holds a current key of {Email} and that the host's clock is right.",
                status,
                transient,
                ex);
        }
    }

    /// <summary>Signs a JWT (RS256) with the service account's private key; the header carries its key id.</summary>
    public string SignJwt(JsonObject claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (_credential.KeyId is { } kid)
        {
            header["kid"] = kid;
        }

        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = Convert.FromBase64String(_credential.CreateSignature(Encoding.ASCII.GetBytes(signingInput)));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
