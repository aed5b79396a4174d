using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;

namespace Ret.Server.Features.Workspace;

/// <summary>Starts a conversion of a scanned session: validates the options, then queues one job (202).</summary>
internal static class ConversionEndpoints
{
    public static async Task<Results<Accepted<JobDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> StartAsync(Guid id,
        ConvertRequest request, HttpContext http, WorkspaceSessions sessions, JobScheduler scheduler,
        IOptionsSnapshot<ConversionDefaultsOptions> defaults, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var fallback = defaults.Value;
        var format = (request.Format ?? fallback.Format).ToLowerInvariant();
        var mode = (request.Mode ?? fallback.Mode).ToLowerInvariant();
        if (format is not ("csv" or "xlsx"))
        {
            errors["format"] = ["Use csv or xlsx."];
        }

        if (mode is not ("wide" or "relational"))
        {
            errors["mode"] = ["Use wide or relational."];
        }

        if (request.RecordOverrides is { } overrides)
        {
            foreach (var (group, record) in overrides)
            {
                if (string.IsNullOrWhiteSpace(record) || record.Length > 300 || record.Any(char.IsControl))
                {
                    errors[$"recordOverrides.{group}"] = ["Give an element name or a simple path such as Export/PaymentTerm."];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        if (!session.HasScan)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Scan the uploaded files before converting them.", Status = 409 });
        }

        var options = new ConvertJobOptions
        {
            Groups = request.Groups?.Where(g => !string.IsNullOrWhiteSpace(g)).Distinct(StringComparer.OrdinalIgnoreCase).ToList() ?? [],
            Format = format,
            Mode = mode,
            RecordOverrides = request.RecordOverrides?.Where(kv => !string.IsNullOrWhiteSpace(kv.Value))
                .ToDictionary(kv => kv.Key, kv => kv.Value.Trim(), StringComparer.OrdinalIgnoreCase),
            NeutraliseFormulas = request.NeutraliseFormulas ?? fallback.NeutraliseFormulas,
            Bom = request.Bom ?? fallback.Bom,
            IncludeSourceFile = request.IncludeSourceFile ?? false,
        };
        sessions.Touch(session);
        var job = await scheduler.EnqueueAsync(session, JobKind.Convert, options.ToJson(), ct);
        return job is null
            ? TypedResults.Conflict(new ProblemDetails { Title = "Another job of this session is running.", Status = 409 })
            : TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job));
    }

    /// <summary>What the conversion form preselects (set by administrators).</summary>
    public static Ok<ConversionDefaultsDto> Defaults(IOptionsSnapshot<ConversionDefaultsOptions> defaults)
    {
        var d = defaults.Value;
        return TypedResults.Ok(new ConversionDefaultsDto(d.Format, d.Mode, d.NeutraliseFormulas, d.Bom));
    }
}
