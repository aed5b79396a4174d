namespace Ret.Server.Infrastructure.Errors;

/// <summary>TRACE/TRACK reflect requests back (cross-site tracing); they are refused everywhere with 405.</summary>
public sealed class TraceMethodRejectionMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsTrace(context.Request.Method) || string.Equals(context.Request.Method, "TRACK", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
            return Task.CompletedTask; // status-code pages turn this into problem details
        }

        return next(context);
    }
}
