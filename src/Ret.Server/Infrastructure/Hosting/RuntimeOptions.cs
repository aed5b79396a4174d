using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Infrastructure.Hosting;

/// <summary>Where RET keeps its data on disk (database, job storage, files). Section <c>Runtime</c>.</summary>
public sealed class RuntimeOptions
{
    public const string Section = "Runtime";

    /// <summary>Absolute or relative folder; relative paths are resolved against the working directory.
    /// Environment variable <c>RET_RUNTIME_ROOT</c> overrides it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = "runtime";

    public string FullRoot => Path.GetFullPath(Root);
}
