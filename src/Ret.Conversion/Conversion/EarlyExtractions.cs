using System.Collections.Concurrent;
using System.Text;
using System.Xml;
using Ret.Conversion.Archives;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Conversion;

/// <summary>
/// Files extracted while the scan had their bytes in memory (docs/decisions/0107): a file the scan read completely is
/// extracted on the spot into a spill, with the record rule the plan will give it, so a conversion adopts the result
/// instead of opening and inflating the file again. Used inside one conversion without a plan, and carried from a
/// scan to the conversion that follows it (<see cref="ExtractionCache"/>, docs/decisions/0111).
/// </summary>
internal sealed class EarlyExtractions(string directory, char delimiter, SafetyLimits limits, bool fastXml,
    Func<string, string?> overrideFor, IReadOnlyList<string>? groups)
{
    private readonly ValueClassifier _classifier = new(delimiter);
    private readonly ConcurrentDictionary<string, (FileExtraction Result, string Matcher)> _files = new(StringComparer.Ordinal);
    private readonly HashSet<FileExtraction> _adopted = new(ReferenceEqualityComparer.Instance);
    private int _number;

    public char Delimiter => delimiter;
    public SafetyLimits Limits => limits;
    public bool FastXml => fastXml;

    /// <summary>Files extracted so far.</summary>
    public int Count => _files.Count;

    /// <summary>Files a conversion adopted.</summary>
    public int AdoptedCount
    {
        get
        {
            lock (_adopted) return _adopted.Count;
        }
    }

    /// <summary>The scan's sink: extracts <paramref name="entry"/> from <paramref name="bytes"/> (valid during the call
    /// only). Returns the result, or null when the file is left to the normal extraction (outside the selected groups,
    /// no record rule, or it failed: the normal extraction then reports the failure with its usual wording).</summary>
    public FileExtraction? Extract(WalkEntry entry, ScannedEntry scanned, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (scanned.Group is not { } group) return null;
        if (groups is { Count: > 0 } wanted && !wanted.Contains(group, StringComparer.OrdinalIgnoreCase)) return null;
        if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)) return null;
        string? spillPath = null;
        try
        {
            var spec = overrideFor(group);
            RecordMatcher matcher;
            if (spec is not null) matcher = RecordMatcher.Parse(spec);
            else if (scanned.RecordPath is not null) matcher = RecordMatcher.Parse(scanned.RecordPath, anchored: true);
            else return null;
            spillPath = Path.Combine(directory, $"early-{Interlocked.Increment(ref _number):D7}.spill");
            var result = new FileExtraction { Path = entry.Path };
            MemoryStream? stream = null;
            try
            {
                FileExtractor.Extract(matcher, limits, _classifier, fastXml, _ =>
                {
                    stream?.Dispose();
                    return stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true);
                }, spillPath, result, ct);
            }
            finally
            {
                stream?.Dispose();
            }
            result.Bytes = segment.Count;
            result.SpillPath = spillPath;
            _files[entry.Path] = (result, matcher.Description);
            return result;
        }
        catch (Exception ex) when (ex is XmlException or LimitExceededException or InvalidDataException or IOException
            or ArgumentException or DecoderFallbackException or UnauthorizedAccessException)
        {
            // (A full disk lands here too: the file is simply extracted again by the conversion.)
            if (spillPath is not null) TryDelete(spillPath);
            return null;
        }
    }

    /// <summary>The early extraction of <paramref name="file"/> when it used <paramref name="matcher"/>'s rule, its spill
    /// is still there (a carried cache lives in a folder others may clean) and no table adopted it yet; else null.</summary>
    public FileExtraction? TryAdopt(string file, RecordMatcher matcher)
    {
        if (!_files.TryGetValue(file, out var early) || early.Matcher != matcher.Description) return null;
        if (early.Result.SpillPath is not { } spill || !File.Exists(spill)) return null;
        lock (_adopted) return _adopted.Add(early.Result) ? early.Result : null;
    }

    /// <summary>Removes the spills no table adopted.</summary>
    public void DeleteUnadopted()
    {
        foreach (var (_, early) in _files)
        {
            bool adopted;
            lock (_adopted) adopted = _adopted.Contains(early.Result);
            if (!adopted && early.Result.SpillPath is not null) TryDelete(early.Result.SpillPath);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { /* best effort */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }
}
