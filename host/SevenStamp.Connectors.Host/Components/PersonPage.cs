using Microsoft.AspNetCore.Components;
using SevenStamp.Http.Access;

namespace SevenStamp.Connectors.Host.Components;

/// <summary>
/// A page of a signed-in person (the console, the scanner): who they are and their merchant, from the session the
/// tenant check already let through (<see cref="PageAccessAttribute"/>). A page shows and changes that merchant only.
/// </summary>
public abstract class PersonPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = null!;

    protected Caller Caller => Caller.From(HttpContext.User) ?? throw new InvalidOperationException("A person page ran without a signed-in person.");

    protected string MerchantId => Caller.MerchantId ?? throw new InvalidOperationException("A person page ran for a caller of no merchant.");

    protected bool May(Permission permission) => Caller.May(permission, MerchantId);
}
