namespace Ret.Server.Infrastructure.Errors;

public static class ProblemDetailsExtensions
{
    /// <summary>RFC 9457 problem details for every error, each carrying the request's <c>traceId</c>.</summary>
    public static IServiceCollection AddRetProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
        });
        services.AddExceptionHandler<GlobalExceptionHandler>();
        return services;
    }
}
