using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SevenStamp.Testing;

/// <summary>
/// A Google service account made up for one test: an RSA key generated in memory and written, as Google's JSON
/// key file, into a temp folder (deleted afterwards). Nothing here is ever committed.
/// </summary>
public sealed class TestServiceAccount : IDisposable
{
    public const string Email = "wallet-sync@sevenstamp-test.iam.gserviceaccount.com";
    public const string KeyId = "0123456789abcdef0123456789abcdef01234567";

    private readonly DirectoryInfo _directory;

    private TestServiceAccount(RSA key, DirectoryInfo directory, string keyFile)
    {
        Key = key;
        _directory = directory;
        KeyFile = keyFile;
    }

    public RSA Key { get; }

    public string KeyFile { get; }

    public static TestServiceAccount Create(Uri tokenUri)
    {
        ArgumentNullException.ThrowIfNull(tokenUri);
        var key = RSA.Create(2048);
        var directory = Directory.CreateTempSubdirectory("sevenstamp-google-key-");
        var keyFile = Path.Combine(directory.FullName, "service-account.json");
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "sevenstamp-test",
            ["private_key_id"] = KeyId,
            ["private_key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = Email,
            ["client_id"] = "100000000000000000001",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = tokenUri.ToString(),
        };
        File.WriteAllText(keyFile, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new TestServiceAccount(key, directory, keyFile);
    }

    /// <summary>Checks an RS256 JWT against this account's public key; returns its header and claims, or null when the signature is wrong.</summary>
    public (JsonObject Header, JsonObject Claims)? Verify(string jwt) => VerifyJwt(Key, jwt);

    public static (JsonObject Header, JsonObject Claims)? VerifyJwt(RSA publicKey, string jwt)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(jwt);
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        var valid = publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (!valid)
        {
            return null;
        }

        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!.AsObject();
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        return (header, claims);
    }

    public void Dispose()
    {
        Key.Dispose();
        _directory.Delete(recursive: true);
    }
}
