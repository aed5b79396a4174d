using Ret.Conversion.Safety;

namespace Ret.Conversion.Scanning;

/// <summary>Options of <see cref="ArchiveScanner.ScanAsync"/>.</summary>
public sealed record ScanOptions
{
    public SafetyLimits Limits { get; init; } = SafetyLimits.Default;

    public GroupingOptions Grouping { get; init; } = new();

    /// <summary>Where nested archives too large for memory are spilled (a private subfolder is created and removed).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>Display name of the input (e.g. the original upload name when the file is stored under a generated name).</summary>
    public string? InputName { get; init; }

    /// <summary>Bytes of each XML file parsed for record detection; the rest is only read through the caps.</summary>
    public long SampleBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>XML entries read in parallel; the report is identical whatever the value.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Detect with the fast UTF-8 reader, XmlReader only where it falls back (docs/decisions/0109); tests turn it off to compare.</summary>
    internal bool FastXml { get; init; } = true;
}

/// <summary>Scan progress: bytes read so far, entries listed, current entry.</summary>
public readonly record struct ScanProgress(long Bytes, int Entries, int XmlFiles, string? CurrentPath);
