using System.Text.Json;
using System.Text.Json.Serialization;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Conversion;

/// <summary>
/// What a conversion produced: inputs, tables, columns, rows, per-file accounting and errors.
/// Everything except <see cref="Timings"/> is deterministic for the same input and options.
/// </summary>
public sealed record ConversionManifest
{
    public required string EngineVersion { get; init; }
    public required string Input { get; init; }
    public required ManifestOptions Options { get; init; }
    public required IReadOnlyList<ManifestTable> Tables { get; init; }
    public required IReadOnlyList<ManifestFile> Files { get; init; }
    public long TotalRows { get; init; }
    public int FailedFiles { get; init; }
    /// <summary>Entries the scan skipped or rejected (not XML, unsafe), with reasons.</summary>
    public IReadOnlyList<ScannedEntry> NotConverted { get; init; } = [];
    /// <summary>Wall-clock figures: the only part that differs between identical runs.</summary>
    public ManifestTimings? Timings { get; init; }
}

public sealed record ManifestOptions(string Format, string Mode, string Context, bool NeutraliseFormulas, bool Bom, string Delimiter, bool IncludeSourceFile, IReadOnlyList<string> Groups);

public sealed record ManifestTable
{
    public required string Name { get; init; }
    public required string Group { get; init; }
    /// <summary>Output file name inside the output directory.</summary>
    public required string File { get; init; }
    /// <summary><c>records</c>, <c>child</c> (relational) or <c>context</c>.</summary>
    public required string Kind { get; init; }
    public required string RecordElement { get; init; }
    public string? Parent { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public long Rows { get; init; }
    public int? Sheets { get; init; }
    /// <summary>CSV tables: fields (header included) that start like a spreadsheet formula, the ones neutralisation
    /// prefixes with <c>'</c>. Zero: the file is the same with or without neutralisation.</summary>
    public long? FormulaCells { get; init; }
}

public sealed record ManifestFile
{
    public required string Path { get; init; }
    public required string Group { get; init; }
    public required string Table { get; init; }
    /// <summary>The record rule used for the file (detected path or override).</summary>
    public required string Record { get; init; }
    public long Bytes { get; init; }
    public long Records { get; init; }
    public long Rows { get; init; }
    /// <summary>Leaf values in the file: attributes and non-empty element texts.</summary>
    public long LeafValues { get; init; }
    /// <summary>Leaf values written to the output (equal to <see cref="LeafValues"/> unless something went wrong).</summary>
    public long ValuesWritten { get; init; }
    public FileError? Error { get; init; }
    public string? Warning { get; init; }
}

public sealed record ManifestTimings(double ScanSeconds, double ExtractSeconds, double MergeSeconds, double TotalSeconds, long Bytes, double MegabytesPerSecond);

/// <summary>Source-generated JSON for the engine's public documents (camelCase, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConversionManifest))]
[JsonSerializable(typeof(ScanReport))]
public sealed partial class RetJsonContext : JsonSerializerContext
{
    /// <summary>Serialises a manifest (deterministic apart from <see cref="ConversionManifest.Timings"/>).</summary>
    public static string Serialize(ConversionManifest manifest) => JsonSerializer.Serialize(manifest, Default.ConversionManifest);

    public static string Serialize(ScanReport report) => JsonSerializer.Serialize(report, Default.ScanReport);

    public static ScanReport? DeserializeScan(string json) => JsonSerializer.Deserialize(json, Default.ScanReport);

    public static ConversionManifest? DeserializeManifest(string json) => JsonSerializer.Deserialize(json, Default.ConversionManifest);
}
