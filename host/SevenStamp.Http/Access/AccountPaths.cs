namespace SevenStamp.Http.Access;

/// <summary>Where the people-facing account pages are, for links, redirects and the request log's redaction.</summary>
public static class AccountPaths
{
    public const string SignIn = "/account/sign-in";
    public const string SignOut = "/account/sign-out";
    public const string Denied = "/account/denied";

    /// <summary>An invite's page: <c>/account/invite/{token}</c>.</summary>
    public const string Invite = "/account/invite";

    /// <summary>A password reset link's page: <c>/account/reset?user=…&amp;token=…</c>.</summary>
    public const string Reset = "/account/reset";
}
