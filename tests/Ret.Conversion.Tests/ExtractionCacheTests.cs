using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary>A scan that extracts as it reads (<see cref="Converter.ScanAndExtractAsync"/>) and the conversion that
/// adopts its spills (docs/decisions/0111): the same report as a plain scan, the same tables as a conversion that reads
/// every file again, and nothing adopted where the extraction would differ.</summary>
public class ExtractionCacheTests
{
    /// <summary>The small files of <see cref="DeterminismTests.BuildInput"/>: 12 batch ZIPs of 4 XML files each.</summary>
    private const int SmallFiles = 12 * 4;

    private static string BuildInput(TempDir temp)
    {
        DeterminismTests.BuildInput(temp);
        // A file too large for the scan's sample (read in the conversion, never cached) and a malformed one.
        temp.File("in/BIG_ONE/big.xml", "<r>" + string.Concat(Enumerable.Range(0, 40_000).Select(i => $"<Item><Name>n{i}</Name><Line><Sku>{i}</Sku></Line></Item>")) + "</r>");
        temp.File("in/BROKEN/bad.xml", "<r><Item><Name>x</Name></Item><Item></r>");
        return temp.Combine("in");
    }

    [Theory]
    [InlineData(OutputFormat.Csv, RepeatMode.Wide, null, ',', 2, SmallFiles)]
    [InlineData(OutputFormat.Csv, RepeatMode.Relational, null, ',', 1, SmallFiles)]
    [InlineData(OutputFormat.Xlsx, RepeatMode.Wide, null, ',', 2, SmallFiles)]
    [InlineData(OutputFormat.Csv, RepeatMode.Wide, "Line", ',', 2, 0)]   // another record rule: every file is read again
    [InlineData(OutputFormat.Csv, RepeatMode.Wide, null, ';', 2, 0)]     // another delimiter classifies values differently
    public async Task A_conversion_that_adopts_the_scans_extraction_writes_the_same_bytes(
        OutputFormat format, RepeatMode mode, string? record, char delimiter, int threads, int adopted)
    {
        using var temp = new TempDir();
        var input = BuildInput(temp);
        var scan = new ScanOptions { TempDirectory = temp.Combine("tmp"), SampleBytes = 64 * 1024 };
        var plain = await ArchiveScanner.ScanAsync(input, scan);
        var (report, cache) = await Converter.ScanAndExtractAsync(input, scan, temp.Combine("cache"));
        var options = new ConvertOptions
        {
            Format = format, Mode = mode, Threads = threads, RecordOverride = record, Delimiter = delimiter, TempDirectory = temp.Combine("tmp"),
        };
        ConversionManifest adopting;
        using (cache)
        {
            Assert.Equal(RetJsonContext.Serialize(plain), RetJsonContext.Serialize(report));
            Assert.Equal(SmallFiles, cache.FileCount);
            Assert.Equal(SmallFiles, Directory.GetFiles(temp.Combine("cache"), "*.spill").Length);
            adopting = await Converter.ConvertAsync(input, report, options with { Extracted = cache }, temp.Combine("with"));
            Assert.Equal(adopted, cache.AdoptedCount);
        }

        var reading = await Converter.ConvertAsync(input, plain, options, temp.Combine("without"));
        DeterminismTests.AssertSameTables(temp.Combine("without"), temp.Combine("with"));
        Assert.Equal(
            RetJsonContext.Serialize(reading with { Timings = null }),
            RetJsonContext.Serialize(adopting with { Timings = null }));
        Assert.Equal(1, adopting.FailedFiles);
        Assert.False(Directory.Exists(temp.Combine("cache")), "disposing the cache deletes its spills");
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("tmp")));
    }

    [Fact]
    public async Task A_cache_serves_one_conversion_and_the_next_one_reads_the_files_again()
    {
        using var temp = new TempDir();
        var input = BuildInput(temp);
        var (report, cache) = await Converter.ScanAndExtractAsync(input, new ScanOptions { SampleBytes = 64 * 1024 }, temp.Combine("cache"));
        using (cache)
        {
            var options = new ConvertOptions { Extracted = cache, Groups = ["AR_ITEMS"] };
            await Converter.ConvertAsync(input, report, options, temp.Combine("first"));
            Assert.Equal(SmallFiles, cache.AdoptedCount);
            await Converter.ConvertAsync(input, report, options, temp.Combine("second"));
            Assert.Equal(SmallFiles, cache.AdoptedCount); // the second one extracted every file itself
            DeterminismTests.AssertSameTables(temp.Combine("first"), temp.Combine("second"));
            Assert.True(File.Exists(Directory.GetFiles(temp.Combine("cache"), "*.spill")[0]), "a conversion leaves the cache's spills to its owner");
        }

        Assert.False(Directory.Exists(temp.Combine("cache")));
    }

    [Fact]
    public async Task A_disposed_cache_is_not_adopted()
    {
        using var temp = new TempDir();
        var input = BuildInput(temp);
        var (report, cache) = await Converter.ScanAndExtractAsync(input, new ScanOptions { SampleBytes = 64 * 1024 }, temp.Combine("cache"));
        cache.Dispose();
        var manifest = await Converter.ConvertAsync(input, report, new ConvertOptions { Extracted = cache }, temp.Combine("out"));
        Assert.Equal(0, cache.AdoptedCount);
        Assert.Equal(SmallFiles + 1, manifest.Files.Count(f => f.Error is null)); // every readable file, read again
    }

    [Fact]
    public async Task A_spill_removed_from_the_cache_is_read_again_from_the_input()
    {
        using var temp = new TempDir();
        var input = BuildInput(temp);
        var scan = new ScanOptions { SampleBytes = 64 * 1024 };
        var (report, cache) = await Converter.ScanAndExtractAsync(input, scan, temp.Combine("cache"));
        using (cache)
        {
            File.Delete(Directory.GetFiles(temp.Combine("cache"), "*.spill")[7]); // e.g. by a clean-up of old temporary files
            await Converter.ConvertAsync(input, report, new ConvertOptions { Extracted = cache }, temp.Combine("with"));
            Assert.Equal(SmallFiles - 1, cache.AdoptedCount);
        }

        await Converter.ConvertAsync(input, await ArchiveScanner.ScanAsync(input, scan), new ConvertOptions(), temp.Combine("without"));
        DeterminismTests.AssertSameTables(temp.Combine("without"), temp.Combine("with"));
    }

    [Fact]
    public async Task A_scan_that_fails_or_is_cancelled_leaves_no_spills()
    {
        using var temp = new TempDir();
        var input = BuildInput(temp);
        await Assert.ThrowsAnyAsync<IOException>(() => Converter.ScanAndExtractAsync(temp.Combine("missing"), new ScanOptions(), temp.Combine("cache1")));
        Assert.False(Directory.Exists(temp.Combine("cache1")));

        using var cts = new CancellationTokenSource();
        var cancelling = new CancelAfterFirst(cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Converter.ScanAndExtractAsync(input, new ScanOptions { Threads = 1 }, temp.Combine("cache2"), cancelling, cts.Token));
        Assert.False(Directory.Exists(temp.Combine("cache2")));
    }

    /// <summary>Cancels the scan at its first progress report (synchronously, on the scan's thread).</summary>
    private sealed class CancelAfterFirst(CancellationTokenSource cts) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) => cts.Cancel();
    }
}
