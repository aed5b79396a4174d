namespace Ret.Server.Infrastructure.Security;

/// <summary>The short-lived admin console cookie for the browser tools (/jobs, /docs, /openapi, /health).</summary>
public static class ConsoleSessionCookie
{
    public const string Name = "__Host-ret_console";

    public static void Append(HttpResponse response, string token, DateTime expiresAt)
        => response.Cookies.Append(Name, token, Options(expiresAt));

    public static void Delete(HttpResponse response)
        => response.Cookies.Delete(Name, Options(null));

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
