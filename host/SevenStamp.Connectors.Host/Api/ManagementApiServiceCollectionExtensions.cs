using System.Text.Json.Serialization;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>How the host's HTTP APIs read and answer: the OpenAPI document, JSON, and failures as problem details.</summary>
internal static class ManagementApiServiceCollectionExtensions
{
    /// <summary>
    /// Adds the OpenAPI document, JSON with enums as names and a property given twice refused, and the failure
    /// answers: a body that cannot be read answers 400 naming the field (<see cref="JsonBody.BadBodyHandler"/>); any
    /// other unhandled failure answers a bare 500 problem, never a stack trace.
    /// </summary>
    public static IServiceCollection AddManagementApi(this IServiceCollection services)
    {
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            json.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<JsonBody.BadBodyHandler>();
        services.AddProblemDetails();
        return services;
    }
}
