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
}
