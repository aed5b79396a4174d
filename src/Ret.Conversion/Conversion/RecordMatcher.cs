namespace Ret.Conversion.Conversion;

/// <summary>
/// Decides which element starts a record: a local name (<c>journal_article</c>), a path suffix
/// (<c>journal/journal_article</c>) or an absolute path (<c>/doi_batch/body/journal/journal_article</c>).
/// Detected records use the absolute form. Only elements outside a record are tested.
/// </summary>
internal sealed class RecordMatcher
{
    private readonly string[] _segments;
    private readonly bool _anchored;

    private RecordMatcher(string[] segments, bool anchored)
    {
        _segments = segments;
        _anchored = anchored;
    }

    /// <summary>The record element's local name.</summary>
    public string RecordName => _segments[^1];

    public string Description => (_anchored ? "/" : "") + string.Join('/', _segments);

    /// <summary>Parses a user override or a detected path. A detected path (no leading slash but from the root) is anchored.</summary>
    public static RecordMatcher Parse(string spec, bool anchored = false)
    {
        var trimmed = spec.Trim();
        if (trimmed.StartsWith('/')) anchored = true;
        var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (segments.Length == 0) throw new ArgumentException($"Invalid record element '{spec}'.", nameof(spec));
        return new RecordMatcher(segments, anchored);
    }

    /// <summary>
    /// True when the element <paramref name="localName"/> at <paramref name="depth"/> (root = 0), whose ancestors'
    /// names are given by <paramref name="ancestorName"/>(0..depth-1), starts a record.
    /// </summary>
    public bool Matches(string localName, int depth, Func<int, string> ancestorName)
    {
        if (!string.Equals(localName, _segments[^1], StringComparison.Ordinal)) return false;
        if (_anchored && depth != _segments.Length - 1) return false;
        if (depth < _segments.Length - 1) return false;
        for (var i = 1; i < _segments.Length; i++)
        {
            if (!string.Equals(ancestorName(depth - i), _segments[^(i + 1)], StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
