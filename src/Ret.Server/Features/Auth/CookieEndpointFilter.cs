using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Guards the cookie-authenticated endpoints (refresh, logout) against cross-site requests: the custom header
/// <c>X-RET-CSRF: 1</c> is required (a cross-site form or simple request cannot set it without a CORS preflight
/// we do not grant), an <c>Origin</c>, when sent, must be this site or a configured CORS origin, and
/// <c>Sec-Fetch-Site: cross-site</c> is refused. API keys are refused here: they never touch session cookies.</summary>
public sealed class CookieEndpointFilter(IOptions<ServerOptions> server) : IEndpointFilter
{
    public const string HeaderName = "X-RET-CSRF";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (ApiKeyAuthenticationHandler.IsApiKeyRequest(request))
        {
            return Forbidden("API keys cannot be used on this endpoint.");
        }

        if (request.Headers[HeaderName].ToString() != "1")
        {
            return Forbidden("This request must come from the RET web app.");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(request, origin))
        {
            return Forbidden("Cross-site requests are not allowed on this endpoint.");
        }

        if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return Forbidden("Cross-site requests are not allowed on this endpoint.");
        }

        return await next(context);
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin)
    {
        var own = $"{request.Scheme}://{request.Host.Value}";
        if (string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return server.Value.CorsOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    private static IResult Forbidden(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail);
}
