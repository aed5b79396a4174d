using System.IO.Compression;
using System.Text;
using Ret.Conversion.Archives;
using Ret.Conversion.Conversion;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary>
/// Nested archives stored without compression are read in place (a range of their container) instead of being copied
/// into memory or a temp file; compressed ones are still copied. Either way the tables are the same.
/// </summary>
public class NestedArchiveTests
{
    private static byte[] Batch(string module, int batch) => Zip.Build(Enumerable.Range(0, 3).Select(f => Zip.Text($"{module}_{batch}_{f}.xml",
        "<Export>" + string.Concat(Enumerable.Range(0, 50).Select(r => $"<Row><Id>{module}-{batch}-{f}-{r}</Id><Note>n{r % 7}</Note></Row>"))
        + "</Export>")).ToArray());

    /// <summary>Module ZIPs of batch ZIPs of XML, like the bench's nested export, every archive entry at
    /// <paramref name="level"/> except the module GL, which is always compressed in the export: its batch ZIPs are then
    /// inside an archive held in memory.</summary>
    private static byte[] Export(CompressionLevel level)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var module in new[] { "AR", "GL", "AP" })
            {
                var content = Zip.Build(level, Enumerable.Range(1, 3).Select(b => ($"{b}_BATCH.zip", Batch(module, b))).ToArray());
                using var stream = zip.CreateEntry($"{module}.zip", module == "GL" ? CompressionLevel.Optimal : level).Open();
                stream.Write(content);
            }
        }
        return memory.ToArray();
    }

    private static (int InPlace, long MemoryHeld, int Xml) Walk(string input)
    {
        using var walker = new ArchiveWalker(SafetyLimits.Default, null);
        var xml = walker.Walk(input, null, CancellationToken.None).Count(e => e.Kind == EntryKind.Xml);
        return (walker.InPlaceCount, walker.MemoryHeld, xml);
    }

    private static Dictionary<string, byte[]> Tables(string outDir) => Directory.GetFiles(outDir, "*.csv")
        .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);

    [Fact]
    public async Task Stored_nested_archives_are_read_in_place_and_give_the_same_tables_as_compressed_ones()
    {
        using var temp = new TempDir();
        var stored = temp.Bytes("in/stored.zip", Export(CompressionLevel.NoCompression));
        var compressed = temp.Bytes("in/compressed.zip", Export(CompressionLevel.Optimal));

        // 3 modules + 3 × 3 batches; GL is compressed, so 11 are read in place (AR and AP as ranges of the input file,
        // their batches as ranges of those ranges, GL's batches as ranges of GL's bytes in memory) and only GL is copied.
        var inPlace = Walk(stored);
        Assert.Equal(27, inPlace.Xml);
        Assert.Equal(11, inPlace.InPlace);
        var copied = Walk(compressed);
        Assert.Equal(27, copied.Xml);
        Assert.Equal(0, copied.InPlace);
        Assert.True(inPlace.MemoryHeld < copied.MemoryHeld / 3, $"in place {inPlace.MemoryHeld} bytes held, copied {copied.MemoryHeld}");

        var options = new ConvertOptions { InputName = "export.zip" };
        var (m1, out1) = await Run.Convert(stored, temp, options, "out-stored");
        var (m2, out2) = await Run.Convert(compressed, temp, options, "out-compressed");
        Assert.Equal(27 * 50, m1.TotalRows);
        Assert.Equal(m2.TotalRows, m1.TotalRows);
        Assert.Empty(m1.NotConverted);
        var a = Tables(out1);
        var b = Tables(out2);
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        foreach (var (name, bytes) in b) Assert.True(bytes.AsSpan().SequenceEqual(a[name]), $"{name} differs");
        var ar = Csv.ReadRecords(Path.Combine(out1, a.Keys.Single(k => k.Contains("AR", StringComparison.Ordinal))));
        Assert.Contains(ar, r => r.ContainsValue("AR-3-2-49"));

        // The server's path: a scan first, then a conversion that walks the input again with the scan as its plan.
        var plan = await ArchiveScanner.ScanAsync(stored, new ScanOptions { TempDirectory = temp.Combine("tmp"), InputName = "export.zip" });
        var out3 = temp.Combine("out-plan");
        await Converter.ConvertAsync(stored, plan, options with { TempDirectory = temp.Combine("tmp") }, out3);
        var c = Tables(out3);
        foreach (var (name, bytes) in b) Assert.True(bytes.AsSpan().SequenceEqual(c[name]), $"{name} differs (with a plan)");
    }

    [Fact]
    public async Task A_stored_nested_archive_is_charged_to_the_total_size_cap_like_a_copied_one()
    {
        using var temp = new TempDir();
        var noise = new Random(7);
        var text = new StringBuilder("<r>");
        while (text.Length < 300_000) text.Append("<i>").Append(noise.NextInt64()).Append("</i>");
        text.Append("</r>");
        var nested = Zip.Build(CompressionLevel.NoCompression, Zip.Text("big.xml", text.ToString()));
        foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
        {
            var input = temp.Bytes($"in/{level}.zip", Zip.Build(level, ("nested.zip", nested), Zip.Text("small.xml", "<r><i>1</i></r>")));
            var report = await ArchiveScanner.ScanAsync(input, new ScanOptions { Limits = new SafetyLimits { MaxTotalBytes = 200_000 }, TempDirectory = temp.Combine("tmp") });
            Assert.Contains("Total uncompressed size cap", report.StoppedReason);
            Assert.Equal(0, report.XmlFileCount);
        }
    }

    [Fact]
    public void The_locator_finds_the_stored_bytes_and_declines_what_it_cannot_locate_simply()
    {
        var content = Encoding.UTF8.GetBytes("<r>" + new string('x', 5000) + "</r>");
        var zip = Zip.Build(CompressionLevel.NoCompression, ("a.txt", "first"u8.ToArray()), ("b.xml", content));
        using (var stream = new MemoryStream(zip))
        {
            var records = StoredEntries.ReadDirectory(stream);
            Assert.NotNull(records);
            Assert.Equal(2, records.Length);
            var data = StoredEntries.DataOffset(stream, records[1], content.Length);
            Assert.NotNull(data);
            Assert.True(zip.AsSpan((int)data.Value, content.Length).SequenceEqual(content));
            // a size that is not the entry's
            Assert.Null(StoredEntries.DataOffset(stream, records[1], content.Length - 1));
        }

        // compressed: not located
        var deflated = Zip.Build(CompressionLevel.Optimal, ("b.xml", content));
        using (var stream = new MemoryStream(deflated))
        {
            var records = StoredEntries.ReadDirectory(stream)!;
            Assert.Null(StoredEntries.DataOffset(stream, records[0], content.Length));
        }

        // data before the archive (a self-extractor's stub): the directory offsets do not match, so nothing is located
        var prefixed = new byte[100].Concat(zip).ToArray();
        using (var stream = new MemoryStream(prefixed)) Assert.Null(StoredEntries.ReadDirectory(stream));

        // a local header that disagrees with the directory: not located
        var patched = (byte[])zip.Clone();
        using (var stream = new MemoryStream(patched))
        {
            var records = StoredEntries.ReadDirectory(stream)!;
            patched[records[1].LocalHeader + 22] ^= 0x01; // the local header's uncompressed size
            Assert.Null(StoredEntries.DataOffset(stream, records[1], content.Length));
        }

        // not a ZIP at all
        using (var stream = new MemoryStream(content)) Assert.Null(StoredEntries.ReadDirectory(stream));
    }
}
