using Ret.Conversion.Archives;

namespace Ret.Conversion.Scanning;

/// <summary>Result of <see cref="ArchiveScanner.ScanAsync"/>: every entry, and the groups/tables to convert. Serializable.</summary>
public sealed record ScanReport
{
    /// <summary>Display name of the input (file or folder name, never a full server path).</summary>
    public required string Input { get; init; }

    public required string EngineVersion { get; init; }

    /// <summary>Every entry found, in walk order.</summary>
    public required IReadOnlyList<ScannedEntry> Entries { get; init; }

    /// <summary>Groups in deterministic order (case-insensitive name order).</summary>
    public required IReadOnlyList<ScanGroup> Groups { get; init; }

    /// <summary>Set when a walk-wide cap (entry count, total size) stopped the scan early.</summary>
    public string? StoppedReason { get; init; }

    /// <summary>Bytes read (inflated) while scanning.</summary>
    public long TotalBytes { get; init; }

    public int XmlFileCount { get; init; }

    public int SkippedCount { get; init; }

    public int RejectedCount { get; init; }
}

/// <summary>One entry of the input tree.</summary>
public sealed record ScannedEntry
{
    /// <summary>Logical path: archive and folder names joined by <c>/</c>, e.g. <c>Export.zip/AR.zip/1.xml</c>.</summary>
    public required string Path { get; init; }

    public required EntryKind Kind { get; init; }

    /// <summary>Why the entry was skipped or rejected, or the parse error of an XML file.</summary>
    public string? Reason { get; init; }

    /// <summary>Bytes counted while reading (inflated size); for skipped entries the declared size.</summary>
    public long? Size { get; init; }

    public long? CompressedSize { get; init; }

    /// <summary>Encoding as found: BOM and/or declaration, e.g. <c>UTF-8 (BOM)</c>, <c>ISO-8859-1</c>.</summary>
    public string? Encoding { get; init; }

    public string? Root { get; init; }

    /// <summary>Detected record element as a path of local names from the root (<c>doi_batch/body/journal/journal_article</c>).</summary>
    public string? RecordPath { get; init; }

    /// <summary>Records counted in the parsed sample.</summary>
    public long? RecordsInSample { get; init; }

    /// <summary>False when only the first part of a large file was parsed for detection.</summary>
    public bool? SampleComplete { get; init; }

    /// <summary>Elements wrapping the record whose values become context columns (<c>doi_batch/head</c> …).</summary>
    public IReadOnlyList<string>? Context { get; init; }

    public string? Group { get; init; }
}

/// <summary>A business object: files that convert into the same table(s).</summary>
public sealed record ScanGroup
{
    public required string Name { get; init; }

    public required int FileCount { get; init; }

    public required long Bytes { get; init; }

    /// <summary>One table per distinct record element (<c>GROUP</c>, or <c>GROUP.journal_article</c>, <c>GROUP.book</c> …).</summary>
    public required IReadOnlyList<ScanTable> Tables { get; init; }
}

/// <summary>One output table of a group.</summary>
public sealed record ScanTable
{
    public required string Name { get; init; }

    /// <summary>Local name of the record element.</summary>
    public required string RecordElement { get; init; }

    /// <summary>Distinct record paths seen across the table's files.</summary>
    public required IReadOnlyList<string> RecordPaths { get; init; }

    /// <summary>Logical paths of the files, in walk order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>
    /// Preview of the table's header: the first <see cref="ArchiveScanner.MaxPreviewColumns"/> column names in the
    /// order the conversion writes them (default options: wide mode, context as columns, no <c>source_file</c>).
    /// Computed cheaply from a sample only — the first file(s) of the table, at most
    /// <see cref="ScanOptions.SampleBytes"/> in all — so it is a <b>preview</b>: when the sample is truncated or
    /// later files add columns or repeats (<c>Line[3].Sku</c>), the converted table has more columns, possibly
    /// interleaved; the names of columns that are shown do not change unless a later file makes an element repeat
    /// (<c>Line.Sku</c> then becomes <c>Line[1].Sku</c>). Empty when no file of the table could be read, and in
    /// reports written before this property existed.
    /// </summary>
    public IReadOnlyList<string> Columns
    {
        get => _columns;
        init => _columns = value ?? []; // a report without the property (older JSON) deserializes to empty
    }

    private readonly IReadOnlyList<string> _columns = [];

    /// <summary>How many columns the sampled files give (<see cref="Columns"/> lists at most
    /// <see cref="ArchiveScanner.MaxPreviewColumns"/> of them). A lower bound of the converted table's width, for the same
    /// reasons as <see cref="Columns"/>; 0 when no file could be read, and in reports written before this property existed.</summary>
    public int ColumnCount { get; init; }

    /// <summary>True when the sample read every file of the table to its end: <see cref="ColumnCount"/> is then the
    /// width the conversion gives with default options (wide, context as columns, no <c>source_file</c>). False when
    /// files were left out or cut (the count is a lower bound), and in reports written before this property existed.</summary>
    public bool ColumnCountExact { get; init; }
}
