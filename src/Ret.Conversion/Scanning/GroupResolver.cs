using System.Text.RegularExpressions;
using Ret.Conversion.Archives;

namespace Ret.Conversion.Scanning;

/// <summary>
/// Assigns a group (business object) to an XML file from its logical path. See docs/decisions/0101.
/// <list type="number">
/// <item>Caller rules first: known prefixes, then a fixed folder level.</item>
/// <item>The innermost <em>meaningful</em> archive or folder name wins (<c>Export_20240101.zip/AR_PAYMENT_TERM.zip/1_BATCH.zip/x.xml</c> → <c>AR_PAYMENT_TERM</c>).</item>
/// <item>Transparent segments: batch archives (<c>1_BATCH.zip</c>, inherit the parent), timestamped/GUID/long container names,
/// generic folders (<c>businessObjectData</c>, <c>data</c>, <c>files</c>, <c>xml</c>, <c>export</c> …).</item>
/// <item>Numbered prefixes and suffixes are removed: <c>3_NAME</c> → <c>NAME</c>, <c>NAME_2</c> → <c>NAME</c>.</item>
/// <item>Fallback: the file name without extension, digits and timestamps (<c>PaymentTerm_0001.xml</c> → <c>PaymentTerm</c>).</item>
/// </list>
/// Group names compare case-insensitively.
/// </summary>
public sealed partial class GroupResolver
{
    /// <summary>Name used when nothing meaningful is left (e.g. <c>525252.xml</c> at the top of a folder).</summary>
    public const string DefaultGroup = "xml";

    private static readonly HashSet<string> _genericNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "businessObjectData", "businessObjects", "data", "files", "file", "xml", "xmls", "export", "exports",
        "import", "imports", "output", "outputs", "input", "inputs", "out", "in", "tmp", "temp", "archive",
        "archives", "batch", "batches", "documents", "docs", "upload", "uploads", "content", "payload", "root",
        "extract", "extracts", "download", "downloads", "zip", "zips", "__MACOSX",
    };

    private readonly GroupingOptions _options;
    private readonly HashSet<string> _transparent;
    private readonly string[] _prefixes;

    public GroupResolver(GroupingOptions? options = null)
    {
        _options = options ?? new GroupingOptions();
        _transparent = new HashSet<string>(_genericNames, StringComparer.OrdinalIgnoreCase);
        _transparent.UnionWith(_options.TransparentNames);
        _prefixes = [.. _options.Prefixes.Where(p => p.Length > 0).OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal)];
    }

    /// <summary>Group of a file whose logical path is <paramref name="segments"/> (last segment = the file).</summary>
    public string Resolve(IReadOnlyList<PathSegment> segments)
    {
        if (segments.Count == 0) return DefaultGroup;

        foreach (var segment in segments.Reverse())
        {
            var prefix = MatchPrefix(segment.Name);
            if (prefix is not null) return prefix;
        }

        if (_options.FolderLevel is { } level && level >= 0 && level < segments.Count - 1)
        {
            var name = StripExtension(segments[level]);
            if (name.Length > 0) return name;
        }

        for (var i = segments.Count - 2; i >= 0; i--)
        {
            var name = ContainerGroupName(segments[i]);
            if (name is not null) return name;
        }

        return FileGroupName(segments[^1].Name) ?? DefaultGroup;
    }

    /// <summary>The group an archive or folder name stands for, or null when it is transparent.</summary>
    public string? ContainerGroupName(PathSegment segment)
    {
        var name = StripExtension(segment);
        if (name.Length == 0 || _transparent.Contains(name)) return null;
        if (BatchName().IsMatch(name)) return null;
        if (TimestampOrId().IsMatch(name) || name.Length > 64) return null;
        name = Normalise(name);
        if (name.Length == 0 || _transparent.Contains(name) || BatchName().IsMatch(name)) return null;
        return name;
    }

    /// <summary>Fallback: the file name without extension, numbering and timestamps; null when nothing is left.</summary>
    public static string? FileGroupName(string fileName)
    {
        var name = Path.GetFileNameWithoutExtension(fileName);
        name = TimestampOrId().Replace(name, "");
        name = TrailingNoise().Replace(name, "");
        name = Normalise(name);
        return name.Length == 0 ? null : name;
    }

    /// <summary><c>3_NAME</c> → <c>NAME</c>, <c>7_7_NAME</c> → <c>NAME</c>, <c>NAME_1</c> → <c>NAME</c>.</summary>
    private static string Normalise(string name)
    {
        name = LeadingNumber().Replace(name, "");
        name = TrailingNumber().Replace(name, "");
        return name.Trim(' ', '_', '-', '.');
    }

    private string? MatchPrefix(string name)
    {
        foreach (var prefix in _prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return prefix.TrimEnd('_', '-', '.', ' ');
        }
        return null;
    }

    private static string StripExtension(PathSegment segment) =>
        segment.Kind == SegmentKind.Folder ? segment.Name : Path.GetFileNameWithoutExtension(segment.Name);

    [GeneratedRegex(@"^(\d+[_\-. ]?batch|batch[_\-. ]?\d*)$", RegexOptions.IgnoreCase)]
    private static partial Regex BatchName();

    // Dates (20240101, 2024-01-01), times after a date, long digit runs, GUIDs and long hex ids.
    [GeneratedRegex(@"(19|20)\d{2}[-_.]?(0[1-9]|1[0-2])[-_.]?([0-2]\d|3[01])([T_\-. ]?\d{2}[-_.:]?\d{2}([-_.:]?\d{2})?)?|\d{9,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{24,}\b", RegexOptions.IgnoreCase)]
    private static partial Regex TimestampOrId();

    [GeneratedRegex(@"^(\d+[_\-. ])+")]
    private static partial Regex LeadingNumber();

    [GeneratedRegex(@"([_\-. ]\d+)+$")]
    private static partial Regex TrailingNumber();

    [GeneratedRegex(@"[\d_\-. ]+$")]
    private static partial Regex TrailingNoise();
}
