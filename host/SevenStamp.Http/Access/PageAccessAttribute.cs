namespace SevenStamp.Http.Access;

/// <summary>
/// Marks a people-facing page (the console, the scanner) and says what it needs: a person signed in to the host, of a
/// merchant, holding one of <see cref="Permissions"/> there (never a key, nor the operator); the page then shows and
/// changes only that person's own merchant, and a route value naming a resource (a card, a connector) of another
/// merchant is answered as not found. The accounts' tenant check enforces it; a visitor
/// without a session is sent to the sign-in page, a person whose role lacks the permission to a page that says so.
/// A page's changes are audited only where it names them (<see cref="AuditExtensions.Audit(Microsoft.AspNetCore.Http.HttpContext, string, string?, string?, string?)"/>):
/// a page answers a form with a 200 whether or not it changed anything.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PageAccessAttribute(params Permission[] permissions) : Attribute
{
    public IReadOnlyList<Permission> Permissions { get; } = permissions;
}
