namespace Ret.Server.Features.Auth;

/// <summary>The refresh token lives only in this cookie: <c>__Host-</c> prefix (Secure, Path=/, no Domain), HttpOnly,
/// SameSite=Strict. Secure is always set: browsers accept it on http://localhost; any other host needs HTTPS.</summary>
public static class RefreshCookie
{
    public const string Name = "__Host-ret_refresh";

    public static string? Read(HttpRequest request) => request.Cookies[Name];

    public static void Append(HttpResponse response, string token, DateTime expiresAt)
        => response.Cookies.Append(Name, token, Options(expiresAt));

    public static void Delete(HttpResponse response) => response.Cookies.Delete(Name, Options(null));

    private static CookieOptions Options(DateTime? expiresAt) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };
}
