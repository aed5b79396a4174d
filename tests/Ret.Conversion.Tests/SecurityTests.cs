using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Ret.Conversion.Archives;
using Ret.Conversion.Conversion;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary>SECURITY-CHECKLIST 14–18: every hostile input is built here by the test itself.</summary>
public class SecurityTests
{
    private static readonly byte[] _goodXml = Encoding.UTF8.GetBytes("<r><i><v>ok</v></i><i><v>ok2</v></i></r>");

    private static async Task<ScanReport> Scan(string input, SafetyLimits? limits = null, TempDir? temp = null) =>
        await ArchiveScanner.ScanAsync(input, new ScanOptions { Limits = limits ?? SafetyLimits.Default, TempDirectory = temp?.Combine("tmp") });

    [Fact]
    public async Task Zip_bomb_by_ratio_is_rejected_and_the_rest_converts()
    {
        using var temp = new TempDir();
        var bomb = new byte[20 * 1024 * 1024]; // zeros: ~1000:1
        var input = temp.Bytes("in/G.zip", Zip.Build(("bomb.xml", bomb), ("good.xml", _goodXml)));
        var report = await Scan(input);
        var rejected = report.Entries.Single(e => e.Path.EndsWith("bomb.xml", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Rejected, rejected.Kind);
        Assert.Contains("ratio", rejected.Reason, StringComparison.OrdinalIgnoreCase);

        var (manifest, _) = await Run.Convert(input, temp);
        Assert.Equal(2, manifest.TotalRows);
        Assert.Contains(manifest.NotConverted, e => e.Path.EndsWith("bomb.xml", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zip_bomb_with_a_lying_header_is_stopped_while_inflating()
    {
        using var temp = new TempDir();
        var bomb = Encoding.UTF8.GetBytes("<r>" + new string(' ', 30 * 1024 * 1024) + "</r>");
        var zip = Zip.Build(("bomb.xml", bomb));
        PatchUncompressedSize(zip, 1000); // the header now claims 1000 bytes
        var input = temp.Bytes("in/G.zip", zip);
        var report = await Scan(input);
        var entry = report.Entries.Single(e => e.Path.EndsWith("bomb.xml", StringComparison.Ordinal));
        // The inflater never produces more than the header claims, so the document ends early and fails.
        Assert.NotNull(entry.Reason);
        Assert.True(entry.Size is null or <= 1000, $"inflated {entry.Size} bytes");
        Assert.True(report.TotalBytes <= 1000);
    }

    [Fact]
    public async Task Nested_zip_bomb_hits_the_total_size_cap_and_stops_the_scan()
    {
        using var temp = new TempDir();
        var inner = Zip.Build(Enumerable.Range(0, 5).Select(i => ($"{i}.xml", Encoding.UTF8.GetBytes("<r>" + new string('x', 400_000) + "</r>"))).ToArray());
        var middle = Zip.Build(Enumerable.Range(0, 5).Select(i => ($"inner{i}.zip", inner)).ToArray());
        var input = temp.Bytes("in/outer.zip", Zip.Build(("middle.zip", middle)));
        var limits = new SafetyLimits { MaxTotalBytes = 3_000_000 };
        var report = await Scan(input, limits, temp);
        Assert.NotNull(report.StoppedReason);
        Assert.Contains("Total uncompressed size cap", report.StoppedReason);
        Assert.True(report.TotalBytes < 3_000_000 + 1_000_000);
    }

    [Fact]
    public async Task Entry_count_cap_stops_the_walk()
    {
        using var temp = new TempDir();
        var input = temp.Bytes("in/many.zip", Zip.Build(Enumerable.Range(0, 30).Select(i => ($"{i}.xml", _goodXml)).ToArray()));
        var report = await Scan(input, new SafetyLimits { MaxEntries = 10 });
        Assert.Contains("Entry count cap", report.StoppedReason);
        Assert.Equal(10, report.XmlFileCount);
    }

    [Fact]
    public async Task Archive_nesting_depth_is_capped()
    {
        using var temp = new TempDir();
        var level = Zip.Build(("deep.xml", _goodXml));
        for (var i = 0; i < 4; i++) level = Zip.Build(($"level{i}.zip", level));
        var input = temp.Bytes("in/top.zip", level);
        var report = await Scan(input, new SafetyLimits { MaxArchiveDepth = 3 });
        Assert.Contains(report.Entries, e => e.Kind == EntryKind.Rejected && e.Reason!.Contains("nesting depth", StringComparison.Ordinal));
        Assert.Equal(0, report.XmlFileCount);
        Assert.Equal(1, (await Scan(input)).XmlFileCount);
    }

    [Theory]
    [InlineData("../evil.xml", "traversal")]
    [InlineData("a/../../evil.xml", "traversal")]
    [InlineData("..\\evil.xml", "traversal")]
    [InlineData("/etc/evil.xml", "Absolute")]
    [InlineData("C:/evil.xml", "Drive-letter")]
    public async Task Zip_slip_names_are_rejected(string name, string reason)
    {
        using var temp = new TempDir();
        var input = temp.Bytes("in/G.zip", Zip.Build((name, _goodXml), ("ok.xml", _goodXml)));
        var report = await Scan(input);
        var bad = report.Entries.Single(e => e.Kind == EntryKind.Rejected);
        Assert.Contains(reason, bad.Reason, StringComparison.OrdinalIgnoreCase);
        var (manifest, outDir) = await Run.Convert(input, temp);
        Assert.Equal(2, manifest.TotalRows);
        Assert.False(File.Exists(Path.Combine(temp.Path, "evil.xml")));
        Assert.False(File.Exists(Path.Combine(outDir, "..", "evil.xml")));
    }

    [Fact]
    public async Task Symlink_entries_are_rejected()
    {
        using var temp = new TempDir();
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var link = zip.CreateEntry("link.xml");
            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16)); // S_IFLNK | 0777
            using (var s = link.Open()) s.Write("/etc/passwd"u8);
            using var ok = zip.CreateEntry("ok.xml").Open();
            ok.Write(_goodXml);
        }
        var input = temp.Bytes("in/G.zip", memory.ToArray());
        var report = await Scan(input);
        var bad = report.Entries.Single(e => e.Path.EndsWith("link.xml", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Rejected, bad.Kind);
        Assert.Contains("Symbolic link", bad.Reason);
    }

    [Fact]
    public async Task Symlinks_in_folders_are_not_followed()
    {
        using var temp = new TempDir();
        temp.File("outside/secret.xml", "<r><i><v>secret</v></i></r>");
        temp.File("in/G/ok.xml", "<r><i><v>ok</v></i></r>");
        File.CreateSymbolicLink(temp.Combine("in/G/link"), temp.Combine("outside"));
        var report = await Scan(temp.Combine("in"));
        Assert.Contains(report.Entries, e => e.Kind == EntryKind.Rejected && e.Path == "G/link");
        Assert.Equal(1, report.XmlFileCount);
    }

    [Fact]
    public async Task Encrypted_entries_are_rejected()
    {
        using var temp = new TempDir();
        var zip = Zip.Build(("secret.xml", _goodXml), ("ok.xml", _goodXml));
        SetEncryptedFlag(zip, "secret.xml");
        var input = temp.Bytes("in/G.zip", zip);
        var report = await Scan(input);
        var bad = report.Entries.Single(e => e.Path.EndsWith("secret.xml", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Rejected, bad.Kind);
        Assert.Contains("Encrypted", bad.Reason);
    }

    [Theory]
    [InlineData("""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><i><v>&x;</v></i></r>""")]
    [InlineData("""<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r><i><v>x</v></i></r>""")]
    [InlineData("""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><r><i><v>&lol4;</v></i></r>""")]
    public async Task Dtds_are_refused_the_file_fails_alone(string hostile)
    {
        using var temp = new TempDir();
        temp.File("in/G/a_good.xml", "<r><i><v>fine</v></i></r>");
        temp.File("in/G/b_hostile.xml", hostile);
        var report = await Scan(temp.Combine("in"));
        var bad = report.Entries.Single(e => e.Path.EndsWith("b_hostile.xml", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Rejected, bad.Kind);
        Assert.Contains("DTD", bad.Reason);

        var (manifest, outDir) = await Run.Convert(temp.Combine("in"), temp);
        Assert.Equal(1, manifest.TotalRows);
        var output = File.ReadAllText(Path.Combine(outDir, "G.csv"));
        Assert.DoesNotContain("root:", output);
        Assert.DoesNotContain("lollol", output);
    }

    [Fact]
    public async Task Hundred_thousand_deep_nesting_fails_with_a_clear_reason()
    {
        using var temp = new TempDir();
        const int depth = 100_000;
        var deep = new StringBuilder().Insert(0, "<a>", depth).Append('x');
        for (var i = 0; i < depth; i++) deep.Append("</a>");
        temp.File("in/G/deep.xml", deep.ToString());
        temp.File("in/G/good.xml", "<r><i><v>fine</v></i></r>");
        var report = await Scan(temp.Combine("in"));
        var entry = report.Entries.Single(e => e.Path.EndsWith("deep.xml", StringComparison.Ordinal));
        Assert.Contains("nesting deeper than the cap", entry.Reason);

        var (manifest, _) = await Run.Convert(temp.Combine("in"), temp);
        var failed = manifest.Files.Single(f => f.Path.EndsWith("deep.xml", StringComparison.Ordinal));
        Assert.Contains("nesting deeper than the cap", failed.Error!.Message);
        Assert.Equal(1, failed.Error.Line);
        Assert.Equal(1, manifest.TotalRows);
    }

    [Fact]
    public async Task A_malformed_file_fails_alone_with_line_and_position()
    {
        using var temp = new TempDir();
        temp.File("in/G/1.xml", "<r><i><v>one</v></i></r>");
        temp.File("in/G/2.xml", "<r>\n<i><v>two</v></i>\n<i><v>broken</i>\n</r>");
        temp.File("in/G/3.xml", "<r><i><v>three</v></i></r>");
        var (manifest, outDir) = await Run.Convert(temp.Combine("in"), temp);
        var bad = manifest.Files.Single(f => f.Path == "G/2.xml");
        Assert.NotNull(bad.Error);
        Assert.Equal(3, bad.Error!.Line);
        Assert.True(bad.Error.Position > 0);
        Assert.Equal(0, bad.Rows);
        Assert.Equal(1, manifest.FailedFiles);
        var rows = Csv.ReadRecords(Path.Combine(outDir, "G.csv"));
        Assert.Equal(["one", "three"], rows.Select(r => r["v"]));
    }

    [Fact]
    public async Task Document_size_cap_applies_to_plain_files()
    {
        using var temp = new TempDir();
        var input = temp.File("in/big.xml", "<r>" + string.Concat(Enumerable.Repeat("<i><v>0123456789</v></i>", 10_000)) + "</r>");
        var limits = new SafetyLimits { MaxEntryBytes = 50_000 };
        var (manifest, _) = await Run.Convert(input, temp, new ConvertOptions { Limits = limits });
        Assert.Empty(manifest.Files);
        Assert.Contains("per-entry size cap", manifest.NotConverted.Single().Reason);
    }

    /// <summary>Makes the central directory and local header claim a smaller uncompressed size.</summary>
    private static void PatchUncompressedSize(byte[] zip, uint size)
    {
        for (var i = 0; i + 4 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50) BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), size);
            else if (signature == 0x02014b50) BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
        }
    }

    /// <summary>Sets general-purpose bit 0 (encrypted) of one entry in both headers.</summary>
    private static void SetEncryptedFlag(byte[] zip, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50 && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes)) zip[i + 6] |= 1;
            else if (signature == 0x02014b50 && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes)) zip[i + 8] |= 1;
        }
    }
}
