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
}
