using Ret.Conversion.Safety;

namespace Ret.Conversion.Conversion;

/// <summary>Output file format.</summary>
public enum OutputFormat
{
    Csv,
    Xlsx,
}

/// <summary>How repeated child elements are laid out.</summary>
public enum RepeatMode
{
    /// <summary>One row per record; repeats become numbered columns (<c>Line[1].Sku</c>, <c>Line[2].Sku</c>).</summary>
    Wide,
    /// <summary>One table per repeated element path, keyed by <c>record_id</c> / <c>parent_id</c>.</summary>
    Relational,
}

/// <summary>Where values outside the records (file headers, shared parents) go.</summary>
public enum ContextMode
{
    /// <summary>Repeated on every row as extra columns (default).</summary>
    Columns,
    /// <summary>A separate <c>TABLE.context</c> table; rows carry a <c>context_id</c>.</summary>
    Table,
}

/// <summary>Options of <see cref="Converter.ConvertAsync"/>. Every option is part of the deterministic output contract.</summary>
public sealed record ConvertOptions
{
    public OutputFormat Format { get; init; } = OutputFormat.Csv;

    public RepeatMode Mode { get; init; } = RepeatMode.Wide;

    public ContextMode Context { get; init; } = ContextMode.Columns;

    /// <summary>Record element for every group: a local name (<c>journal_article</c>), a path suffix (<c>journal/journal_article</c>) or an absolute path (<c>/doi_batch/body/journal/journal_article</c>).</summary>
    public string? RecordOverride { get; init; }

    /// <summary>Record element per group name (case-insensitive); wins over <see cref="RecordOverride"/>.</summary>
    public IReadOnlyDictionary<string, string>? RecordOverrides { get; init; }

    /// <summary>Groups to convert (case-insensitive names); null or empty converts every group.</summary>
    public IReadOnlyList<string>? Groups { get; init; }

    /// <summary>Prefix CSV cells that a spreadsheet would run as a formula with <c>'</c> (not plain numbers such as <c>-42</c>).</summary>
    public bool NeutraliseFormulas { get; init; } = true;

    /// <summary>Write a UTF-8 byte order mark at the start of CSV files (helps Excel).</summary>
    public bool Bom { get; init; }

    public char Delimiter { get; init; } = ',';

    /// <summary>Add a first column <c>source_file</c> with the logical path of the file each row came from.</summary>
    public bool IncludeSourceFile { get; init; }

    /// <summary>Files converted in parallel; output is identical whatever the value.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Where spill files and nested archives go (a private subfolder is created and removed).</summary>
    public string? TempDirectory { get; init; }

    public SafetyLimits Limits { get; init; } = SafetyLimits.Default;

    /// <summary>Display name of the input when the scan has to be run by the converter.</summary>
    public string? InputName { get; init; }

    /// <summary>Files a scan of the same input already extracted (<see cref="Converter.ScanAndExtractAsync"/>), used with
    /// a plan from that scan: the files it holds with the same record rule are merged from its spills instead of being
    /// read again. Not part of the output contract: the tables are the same with or without it (docs/decisions/0111).</summary>
    public ExtractionCache? Extracted { get; init; }

    /// <summary>XLSX rows per sheet including the header (Excel's limit); lowered by tests only.</summary>
    internal int MaxRowsPerSheet { get; init; } = 1_048_576;

    /// <summary>Read UTF-8 documents with the fast reader, XmlReader only where it falls back (docs/decisions/0109); tests turn it off to compare.</summary>
    internal bool FastXml { get; init; } = true;
}

/// <summary>
/// Conversion progress: phase, bytes of XML read, records written so far, current file. Phases: <c>scan</c> (only
/// when no plan was given: files the scan reads completely are converted during it; totals are then still 0 =
/// unknown), <c>extract</c>, <c>done</c>.
/// </summary>
public readonly record struct ConvertProgress(string Phase, long Bytes, long TotalBytes, long Records, int FilesDone, int FilesTotal, string? CurrentFile)
{
    /// <summary>The same counters per group, in plan order (from the <c>extract</c> phase on; null before).</summary>
    public IReadOnlyList<GroupProgress>? Groups { get; init; }
}

/// <summary>One group's share of a conversion. <see cref="Seconds"/>: time from the group's first byte to its last
/// file's end (or to now while it runs) — its own rate and ETA follow from it, although groups run side by side.</summary>
public sealed record GroupProgress(string Name, int FilesDone, int FilesTotal, long Bytes, long TotalBytes, long Records, double Seconds);
