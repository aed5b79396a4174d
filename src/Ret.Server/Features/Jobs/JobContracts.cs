using System.Text.Json;
using Ret.Server.Domain;

namespace Ret.Server.Features.Jobs;

/// <summary>How far a job got. Persisted as JSON on the job record and streamed to the browser.</summary>
public sealed record JobProgress
{
    public string Phase { get; init; } = "queued";

    public int FilesDone { get; init; }

    public int FilesTotal { get; init; }

    public long Records { get; init; }

    public long BytesDone { get; init; }

    public long BytesTotal { get; init; }

    public double? MbPerSecond { get; init; }

    public double? EtaSeconds { get; init; }

    public string? CurrentFile { get; init; }

    public int Errors { get; init; }

    /// <summary>0–100.</summary>
    public double Percent { get; init; }

    /// <summary>A conversion's progress per group (null for scans).</summary>
    public IReadOnlyList<GroupJobProgress>? Groups { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JobProgress FromJson(string? json)
        => string.IsNullOrWhiteSpace(json) || json == "{}" ? new JobProgress() : JsonSerializer.Deserialize<JobProgress>(json, Json) ?? new JobProgress();
}

/// <summary>A job as the API shows it.</summary>
public sealed record JobDto(
    Guid Id,
    Guid SessionId,
    string Kind,
    string State,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? Error,
    JobProgress Progress)
{
    public static JobDto From(JobRecord job) => new(
        job.Id,
        job.SessionId,
        job.Kind.ToString().ToLowerInvariant(),
        job.State.ToString().ToLowerInvariant(),
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        job.Error,
        JobProgress.FromJson(job.ProgressJson));
}

/// <summary>One group of a conversion: its files, bytes and records so far, and its own rate and ETA (from the
/// group's first byte; groups run side by side).</summary>
public sealed record GroupJobProgress(string Name, int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, long Records,
    double? MbPerSecond, double? RecordsPerSecond, double? EtaSeconds, double Percent);
