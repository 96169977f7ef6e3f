using Microsoft.Extensions.Options;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>
/// For the read-only status pages: open while no admin key is configured (the zero-setup demo), otherwise they
/// want the key like the management API, as they name merchants and connectors.
/// </summary>
internal sealed class StatusKeyFilter(IOptions<SevenStampOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = options.Value.Api.AdminKey;
        return string.IsNullOrEmpty(key) || BearerToken.Is(BearerToken.Of(context.HttpContext.Request), key)
            ? await next(context)
            : Results.Problem("Send the operator's admin key as 'Authorization: Bearer <key>'.", statusCode: StatusCodes.Status401Unauthorized);
    }
}
