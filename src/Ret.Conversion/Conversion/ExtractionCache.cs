using Ret.Conversion.Safety;

namespace Ret.Conversion.Conversion;

/// <summary>
/// What <see cref="Converter.ScanAndExtractAsync"/> extracted while it scanned: a spill per file the scan read
/// completely, in <see cref="Directory"/>, with each file's local columns in memory. One conversion of the same,
/// unchanged input may adopt it (<see cref="ConvertOptions.Extracted"/>): its files whose record rule, delimiter and
/// limits are the ones used here are merged from these spills instead of being read again; any other file is
/// extracted as usual, so the output is the same with or without the cache (docs/decisions/0111).
/// Dispose it to delete the spills; the conversion that adopted it must have finished by then.
/// </summary>
public sealed class ExtractionCache : IDisposable
{
    private int _claimed;
    private int _disposed;

    internal ExtractionCache(string directory, EarlyExtractions files)
    {
        Directory = directory;
        Files = files;
    }

    /// <summary>Where the spills are.</summary>
    public string Directory { get; }

    /// <summary>Files extracted during the scan.</summary>
    public int FileCount => Files.Count;

    /// <summary>Files the conversion that claimed the cache took from it.</summary>
    public int AdoptedCount => Files.AdoptedCount;

    /// <summary>Bytes of spill on disk (0 once disposed).</summary>
    public long SpillBytes
    {
        get
        {
            try
            {
                return System.IO.Directory.Exists(Directory)
                    ? new DirectoryInfo(Directory).EnumerateFiles().Sum(f => f.Length)
                    : 0;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    internal EarlyExtractions Files { get; }

    /// <summary>True once, for the first conversion whose options extract files the way this cache did; that
    /// conversion may adopt the spills. Later conversions (and any after <see cref="Dispose"/>) extract as usual.</summary>
    internal bool TryClaim(ConvertOptions options)
        => Volatile.Read(ref _disposed) == 0
           && options.Delimiter == Files.Delimiter && options.FastXml == Files.FastXml && options.Limits == Files.Limits
           && Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // best effort: the server's temp folder is cleaned at start
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
