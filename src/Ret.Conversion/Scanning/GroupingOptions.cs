namespace Ret.Conversion.Scanning;

/// <summary>Caller-supplied grouping rules, applied before the built-in ones.</summary>
public sealed record GroupingOptions
{
    /// <summary>
    /// Known group prefixes: a file or archive whose name starts with one of these (case-insensitive, longest
    /// first) belongs to that group, e.g. <c>["AR_", "GL_JOURNAL"]</c>.
    /// </summary>
    public IReadOnlyList<string> Prefixes { get; init; } = [];

    /// <summary>
    /// When set, the folder/archive segment at this level (0 = first segment below the input) names the group,
    /// whatever it looks like. Entries with fewer levels fall back to the built-in rules.
    /// </summary>
    public int? FolderLevel { get; init; }

    /// <summary>Extra folder names that never name a group (added to the built-in generic names).</summary>
    public IReadOnlyList<string> TransparentNames { get; init; } = [];
}
