using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace SevenStamp.Http;

/// <summary>
/// Request bodies for the OpenAPI document of endpoints that read their body themselves (to name the field at fault,
/// or because it is CSV or a POS's own JSON). Only the document changes: <c>Accepts</c> metadata would also make
/// routing refuse other content types with 415, which is not wanted here.
/// </summary>
public static class OpenApiBodies
{
    /// <summary>Documents a body of <typeparamref name="T"/> in JSON, plus <paramref name="text"/> bodies (content type and description) as plain strings.</summary>
    public static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder builder, bool required = true, params (string ContentType, string Description)[] text) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var body = new OpenApiRequestBody { Required = required, Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) };
            body.Content["application/json"] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken) };
            foreach (var (contentType, description) in text)
            {
                body.Content[contentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = description } };
            }

            operation.RequestBody = body;
        });
}
