using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Infrastructure.Errors;

/// <summary>The one place unexpected exceptions become responses. Expected outcomes are typed results in the
/// handlers; what reaches here is logged with its stack trace and answered without one.</summary>
public sealed class GlobalExceptionHandler(IProblemDetailsService problemDetails, IOpsLog ops, ILogger<GlobalExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            httpContext.Response.StatusCode = 499;
            return true;
        }

        var (status, title) = Classify(exception);
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            logger.LogWarning("Request rejected on {Method} {Path}: {Reason}", httpContext.Request.Method, httpContext.Request.Path, title);
        }

        if (status == StatusCodes.Status507InsufficientStorage)
        {
            ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Health, "A request failed: the storage is full")
            {
                Details = new { method = httpContext.Request.Method, path = httpContext.Request.Path.Value, message = exception.Message },
            });
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title },
        });
    }

    internal static (int Status, string Title) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, "The request body is too large."),
        BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
        _ when DiskSpace.IsFull(exception) => (StatusCodes.Status507InsufficientStorage,
            DiskSpace.FullMessage + " Nothing of this request was kept; try again once space has been freed."),
        // Connection-level database failures (server down, file locked or unreachable) are a 503; other database errors
        // (constraint violations, bad SQL) stay 500s.
        _ when DatabaseOutage.IsUnavailable(exception) => (503, "The service is temporarily unavailable. Please try again shortly."),
        _ => (500, "An unexpected error occurred."),
    };
}
