namespace Ret.Conversion.Archives;

/// <summary>What the walk decided about one entry.</summary>
public enum EntryKind
{
    /// <summary>An XML document that can be converted.</summary>
    Xml,
    /// <summary>A ZIP archive that was walked into.</summary>
    Archive,
    /// <summary>Not XML (or an unsupported archive format such as RAR); ignored with a reason.</summary>
    Skipped,
    /// <summary>Refused for safety or because it is broken; carries the reason.</summary>
    Rejected,
}

/// <summary>Where a path segment comes from; grouping treats archives, folders and files differently.</summary>
public enum SegmentKind
{
    Archive,
    Folder,
    File,
}

/// <summary>One element of an entry's logical path (<c>Export.zip</c> / <c>AR_PAYMENT_TERM.zip</c> / <c>1.xml</c>).</summary>
public readonly record struct PathSegment(string Name, SegmentKind Kind);

/// <summary>One entry found while walking an input (a file in a folder or an entry in a ZIP, at any depth).</summary>
internal sealed class WalkEntry
{
    public required string Path { get; init; }

    public required IReadOnlyList<PathSegment> Segments { get; init; }

    public required EntryKind Kind { get; init; }

    public string? Reason { get; init; }

    /// <summary>Compressed size from the archive (informational), null for plain files.</summary>
    public long? CompressedSize { get; init; }

    /// <summary>Size the header or file system claims (informational; never trusted for caps).</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>How to open the entry (XML entries only).</summary>
    public EntrySource? Source { get; init; }
}
