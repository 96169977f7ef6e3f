using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>Lets a request through only with <c>Authorization: Bearer &lt;SevenStamp:Api:AdminKey&gt;</c>, compared in constant time.</summary>
internal sealed class AdminKeyFilter(IOptions<SevenStampOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = options.Value.Api.AdminKey;
        if (string.IsNullOrEmpty(key))
        {
            return Results.Problem("The management API is off: set SevenStamp:Api:AdminKey to enable it.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Presents(context.HttpContext.Request, key) ? await next(context) : Unauthorized();
    }

    /// <summary>True when the request carries <paramref name="key"/> as its bearer token (constant-time compare).</summary>
    public static bool Presents(HttpRequest request, string key)
    {
        var presented = BearerToken.Of(request);
        return presented is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    public static IResult Unauthorized() => Results.Problem("Send the management API key as 'Authorization: Bearer <key>'.", statusCode: StatusCodes.Status401Unauthorized);
}

/// <summary>
/// For the read-only status pages: open while no admin key is configured (the zero-setup demo), otherwise they
/// want the key like the management API, as they name merchants and connectors.
/// </summary>
internal sealed class StatusKeyFilter(IOptions<SevenStampOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = options.Value.Api.AdminKey;
        return string.IsNullOrEmpty(key) || AdminKeyFilter.Presents(context.HttpContext.Request, key) ? await next(context) : AdminKeyFilter.Unauthorized();
    }
}
