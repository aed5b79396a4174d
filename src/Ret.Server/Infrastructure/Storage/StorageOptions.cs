using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Infrastructure.Storage;

/// <summary>Section <c>Storage</c>. Files live under one root, local or a shared mount for several nodes.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Empty: <c>{runtime}/storage</c>.</summary>
    public string? Root { get; set; }

    /// <summary>Temporary files older than this are removed by the housekeeping job.</summary>
    [Range(1, 24 * 30)]
    public int TempFileMaxAgeHours { get; set; } = 6;

    /// <summary>Below this much free space on the storage root the readiness check reports Degraded (and the operations
    /// log records it), before uploads and conversions start failing for lack of space. 0 turns the warning off.</summary>
    [Range(0, long.MaxValue)]
    public long LowSpaceBytes { get; set; } = 1L << 30;
}
