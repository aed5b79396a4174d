using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Features.Workspace;

/// <summary>Section <c>Workspace</c>.</summary>
public sealed class WorkspaceOptions
{
    public const string Section = "Workspace";

    /// <summary>Largest single upload (default 200 MB).</summary>
    [Range(1, 1L << 40)]
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Storage a user may occupy across all their sessions (default 2 GiB).</summary>
    [Range(1, 1L << 44)]
    public long QuotaBytesPerUser { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A session is deleted this long after its last activity (default 24 h).</summary>
    [Range(1, 24 * 365)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>Unfinished resumable uploads are discarded this long after their last byte (default 24 h).</summary>
    [Range(1, 24 * 30)]
    public int UploadExpiryHours { get; set; } = 24;

    /// <summary>Conversion threads per job; 0 = one per core.</summary>
    [Range(0, 64)]
    public int ConversionThreads { get; set; }

    /// <summary>Nested-archive depth the scanner follows (default 10).</summary>
    [Range(1, 32)]
    public int MaxArchiveDepth { get; set; } = 10;

    /// <summary>Run the engine on a small generated export after start (nodes that run jobs), then the request paths of an
    /// upload without writing anything (every node), so the first user's upload and job do not pay for compiling them
    /// (default on).</summary>
    public bool WarmUpOnStart { get; set; } = true;

    /// <summary>Deflate each CSV table for "download a group / everything" right after the conversion, in the background
    /// before the preview store is loaded (docs/decisions/0506, 0507; default on). Costs ≈ 40 % of the tables' size in
    /// disk (counted in the quota) and ≈ 0.25 core-seconds per 70 MB of CSV; saves that much and more at download time.</summary>
    public bool PrecompressDownloads { get; set; } = true;

    /// <summary>The scan job also extracts every file it reads whole into spills, and the session's next conversion
    /// merges them instead of reading those files again, if it starts within this many minutes on the same node and the
    /// uploads did not change (docs/decisions/0111; default 30). The spills take about the tables' size in the
    /// temporary folder (not counted in the quota) until that conversion, the next upload, the session's deletion or
    /// the expiry. 0 turns it off: the scan only scans.</summary>
    [Range(0, 24 * 60)]
    public int ScanExtractionMinutes { get; set; } = 30;
}

/// <summary>Section <c>Conversion:Defaults</c>: what a conversion uses when the request leaves an option out (and what
/// the browser preselects). Administrators change these at run time.</summary>
public sealed class ConversionDefaultsOptions : IValidatableObject
{
    public const string Section = "Conversion:Defaults";

    public string Format { get; set; } = "csv";

    public string Mode { get; set; } = "wide";

    public bool NeutraliseFormulas { get; set; } = true;

    public bool Bom { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Format is not ("csv" or "xlsx"))
        {
            yield return new ValidationResult("must be csv or xlsx.", [nameof(Format)]);
        }

        if (Mode is not ("wide" or "relational"))
        {
            yield return new ValidationResult("must be wide or relational.", [nameof(Mode)]);
        }
    }
}
