using Serilog.Context;

namespace Ret.Server.Infrastructure.Observability;

/// <summary>Accepts a well-formed <c>X-Request-ID</c> or makes one, uses it as the trace identifier,
/// echoes it on the response and pushes it into every log line of the request.</summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Request-ID";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        var requestId = IsAcceptable(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });

        using (LogContext.PushProperty("RequestId", requestId))
        {
            await next(context);
        }
    }

    /// <summary>1–64 characters of letters, digits, '-', '_', '.', ':' — anything else is replaced, never logged.</summary>
    internal static bool IsAcceptable(string value)
    {
        if (value.Length is 0 or > 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
