using System.Text;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

public class DeterminismTests
{
    internal static void BuildInput(TempDir temp)
    {
        var inner = Enumerable.Range(0, 12).Select(f => ($"{f}_BATCH.zip", Zip.Build(Enumerable.Range(0, 4).Select(i =>
            Zip.Text($"part{i}.xml", $"<Export><Head><Run>{f}</Run></Head>" + string.Concat(Enumerable.Range(0, 30 + (f * i % 7)).Select(r =>
                $"<Item id='{f}-{i}-{r}'><Name>n{r}</Name>{(r % 3 == 0 ? $"<Extra{f % 4}>e</Extra{f % 4}>" : "")}{string.Concat(Enumerable.Range(0, 1 + (r % 3)).Select(l => $"<Line><Sku>s{l}</Sku></Line>"))}</Item>")) + "</Export>")).ToArray()))).ToArray();
        temp.Bytes("in/Export_20240101_120000.zip", Zip.Build(("AR_ITEMS.zip", Zip.Build(inner))));
    }

    private static Dictionary<string, byte[]> ReadAll(string dir) =>
        Directory.GetFiles(dir).Where(f => !f.EndsWith(Converter.ManifestFileName, StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    /// <summary>The two folders hold the same table files, byte for byte (manifests aside).</summary>
    internal static void AssertSameTables(string expectedDir, string actualDir)
    {
        var expected = ReadAll(expectedDir);
        var actual = ReadAll(actualDir);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs");
    }

    [Theory]
    [InlineData(OutputFormat.Csv, RepeatMode.Wide)]
    [InlineData(OutputFormat.Csv, RepeatMode.Relational)]
    [InlineData(OutputFormat.Xlsx, RepeatMode.Wide)]
    public async Task Two_runs_with_different_thread_counts_give_identical_bytes(OutputFormat format, RepeatMode mode)
    {
        using var temp = new TempDir();
        BuildInput(temp);
        var input = temp.Combine("in");
        var (first, dir1) = await Run.Convert(input, temp, new ConvertOptions { Format = format, Mode = mode, Threads = 1 }, "out1");
        var (second, dir2) = await Run.Convert(input, temp, new ConvertOptions { Format = format, Mode = mode, Threads = 4 }, "out2");

        AssertSameTables(dir1, dir2);
        Assert.Equal(
            RetJsonContext.Serialize(first with { Timings = null }),
            RetJsonContext.Serialize(second with { Timings = null }));
        Assert.Equal("AR_ITEMS", Assert.Single(first.Tables, t => t.Kind == "records").Group);
        Assert.All(first.Files, f => Assert.Equal(f.LeafValues, f.ValuesWritten));
    }

    /// <summary>
    /// Without a plan the converter reuses the scan's walk and extracts small files from the bytes the scan read;
    /// with a plan it walks and reads again. Both must write the same bytes (and the same manifest).
    /// </summary>
    [Theory]
    [InlineData(OutputFormat.Csv, RepeatMode.Wide, null, 1)]
    [InlineData(OutputFormat.Csv, RepeatMode.Relational, null, 3)]
    [InlineData(OutputFormat.Xlsx, RepeatMode.Wide, null, 2)]
    [InlineData(OutputFormat.Csv, RepeatMode.Wide, "Line", 2)]
    public async Task Converting_with_or_without_a_plan_gives_identical_bytes(OutputFormat format, RepeatMode mode, string? record, int threads)
    {
        using var temp = new TempDir();
        BuildInput(temp);
        // A second group whose files are too large for the scan's sample, and one that is malformed.
        temp.File("in/BIG_ONE/big.xml", "<r>" + string.Concat(Enumerable.Range(0, 40_000).Select(i => $"<Item><Name>n{i}</Name><Line><Sku>{i}</Sku></Line></Item>")) + "</r>");
        temp.File("in/BROKEN/bad.xml", "<r><Item><Name>x</Name></Item><Item></r>");
        var input = temp.Combine("in");
        var options = new ConvertOptions { Format = format, Mode = mode, Threads = threads, RecordOverride = record, TempDirectory = temp.Combine("tmp") };
        var scan = new ScanOptions { TempDirectory = temp.Combine("tmp"), SampleBytes = 64 * 1024 };
        var plan = await ArchiveScanner.ScanAsync(input, scan);
        var withPlan = await Converter.ConvertAsync(input, plan, options, temp.Combine("with"));
        var withoutPlan = await Converter.ConvertAsync(input, null, options, temp.Combine("without"));

        AssertSameTables(temp.Combine("with"), temp.Combine("without"));
        Assert.Equal(
            RetJsonContext.Serialize(withPlan with { Timings = null }),
            RetJsonContext.Serialize(withoutPlan with { Timings = null }));
        Assert.Equal(1, withoutPlan.FailedFiles);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("tmp")));
    }

    [Fact]
    public async Task Converting_a_subset_of_groups_gives_the_same_table_as_converting_all()
    {
        using var temp = new TempDir();
        temp.File("in/Customers/c.xml", "<r><c><n>1</n></c><c><n>2</n></c></r>");
        temp.File("in/Suppliers/s.xml", "<r><s><n>3</n></s><s><n>4</n></s></r>");
        var plan = await ArchiveScanner.ScanAsync(temp.Combine("in"));
        var all = temp.Combine("all");
        var one = temp.Combine("one");
        await Converter.ConvertAsync(temp.Combine("in"), plan, new ConvertOptions(), all);
        var manifest = await Converter.ConvertAsync(temp.Combine("in"), plan, new ConvertOptions { Groups = ["suppliers"] }, one);
        Assert.Equal(["Suppliers.csv"], manifest.Tables.Select(t => t.File));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "Suppliers.csv")), File.ReadAllBytes(Path.Combine(one, "Suppliers.csv")));
        Assert.False(File.Exists(Path.Combine(one, "Customers.csv")));
        await Assert.ThrowsAsync<ArgumentException>(() => Converter.ConvertAsync(temp.Combine("in"), plan, new ConvertOptions { Groups = ["nope"] }, one));
    }

    [Fact]
    public async Task Scan_report_round_trips_through_json()
    {
        using var temp = new TempDir();
        BuildInput(temp);
        var report = await ArchiveScanner.ScanAsync(temp.Combine("in"));
        var json = RetJsonContext.Serialize(report);
        var back = RetJsonContext.DeserializeScan(json)!;
        Assert.Equal(json, RetJsonContext.Serialize(back));
        Assert.Contains("\"kind\": \"Archive\"", json);
    }

    [Fact]
    public async Task Cancellation_stops_and_leaves_no_partial_outputs()
    {
        using var temp = new TempDir();
        BuildInput(temp);
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.FilesDone >= 1) cancel.Cancel(); });
        var outDir = temp.Combine("out");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Converter.ConvertAsync(temp.Combine("in"), null, new ConvertOptions { Threads = 1, TempDirectory = temp.Combine("tmp") }, outDir, progress, cancel.Token));
        Assert.Empty(Directory.Exists(outDir) ? Directory.GetFiles(outDir) : []);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("tmp")));
    }

    [Fact]
    public async Task Progress_reports_bytes_records_and_files()
    {
        using var temp = new TempDir();
        BuildInput(temp);
        var reports = new List<ConvertProgress>();
        var progress = new SyncProgress(p => { lock (reports) reports.Add(p); });
        await Converter.ConvertAsync(temp.Combine("in"), null, new ConvertOptions(), temp.Combine("out"), progress);
        var last = reports[^1];
        Assert.Equal("done", last.Phase);
        Assert.Equal(48, last.FilesTotal);
        Assert.Equal(48, last.FilesDone);
        Assert.True(last.Bytes > 0 && last.Bytes == last.TotalBytes);
        Assert.True(last.Records > 1000);
        Assert.Contains(reports, r => r.CurrentFile is not null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Progress_is_reported_per_group_too(bool withPlan)
    {
        using var temp = new TempDir();
        BuildInput(temp); // AR_ITEMS: 48 files
        temp.Bytes("in/GL_ACCOUNT.zip", Zip.Build(Enumerable.Range(0, 3).Select(i =>
            Zip.Text($"account{i}.xml", "<Export>" + string.Concat(Enumerable.Range(0, 20).Select(r => $"<Account><No>{i}-{r}</No></Account>")) + "</Export>")).ToArray()));
        var plan = withPlan ? await ArchiveScanner.ScanAsync(temp.Combine("in"), new ScanOptions { TempDirectory = temp.Combine("tmp") }) : null;
        var reports = new List<ConvertProgress>();
        var progress = new SyncProgress(p => { lock (reports) reports.Add(p); });

        var manifest = await Converter.ConvertAsync(temp.Combine("in"), plan, new ConvertOptions { Threads = 2 }, temp.Combine("out"), progress);

        var last = reports[^1];
        var groups = last.Groups!.ToDictionary(g => g.Name);
        Assert.Equal(["AR_ITEMS", "GL_ACCOUNT"], groups.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(48, groups["AR_ITEMS"].FilesTotal);
        Assert.Equal(3, groups["GL_ACCOUNT"].FilesTotal);
        Assert.Equal(60, groups["GL_ACCOUNT"].Records);
        foreach (var g in groups.Values)
        {
            Assert.Equal(g.FilesTotal, g.FilesDone);
            Assert.True(g.Bytes > 0 && g.Bytes == g.TotalBytes, $"{g.Name}: {g.Bytes} of {g.TotalBytes}");
            Assert.True(g.Seconds >= 0);
        }

        Assert.Equal(manifest.TotalRows, groups.Values.Sum(g => g.Records));
        Assert.Equal(last.TotalBytes, groups.Values.Sum(g => g.TotalBytes));
        // While extracting, every report carries the groups, and no group ever claims more than it has.
        Assert.All(reports.Where(r => r.Phase == "extract"), r =>
            Assert.All(r.Groups!, g => Assert.True(g.FilesDone <= g.FilesTotal && g.Bytes <= g.TotalBytes)));
    }

    private sealed class SyncProgress(Action<ConvertProgress> action) : IProgress<ConvertProgress>
    {
        public void Report(ConvertProgress value) => action(value);
    }
}

public class PropertyTests
{
    /// <summary>
    /// Generated documents (random names, attributes, repeats, values needing quotes) → CSV → every leaf value
    /// is found in its record's row under the column named by the rule.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 40)]
    public bool Every_leaf_value_lands_in_its_row_and_column(int seed)
    {
        var random = new Random(seed);
        var expected = new List<Dictionary<string, string>>();
        var xml = new StringBuilder("<root>");
        var fields = new[] { "a", "b", "c", "Line" };
        var records = random.Next(2, 8);
        for (var r = 0; r < records; r++)
        {
            var row = new Dictionary<string, string>();
            var id = Value(random);
            // Literal newlines in attributes are normalised to spaces by XML itself, so they are written as &#10;.
            xml.Append("<rec key=\"").Append(System.Security.SecurityElement.Escape(id)!.Replace("\n", "&#10;", StringComparison.Ordinal)).Append("\">");
            row["rec@key"] = id;
            foreach (var field in fields.Take(3))
            {
                if (random.Next(3) == 0) continue;
                var v = Value(random);
                xml.Append('<').Append(field).Append('>').Append(System.Security.SecurityElement.Escape(v)).Append("</").Append(field).Append('>');
                row[field] = v;
            }
            var lines = random.Next(0, 4);
            for (var l = 1; l <= lines; l++)
            {
                var v = Value(random);
                xml.Append("<Line><Sku>").Append(System.Security.SecurityElement.Escape(v)).Append("</Sku></Line>");
                row[$"Line[{l}].Sku"] = v;
            }
            xml.Append("</rec>");
            expected.Add(row);
        }
        xml.Append("</root>");
        // Make sure the group always repeats Line, so names are numbered.
        var text = xml.ToString().Replace("</root>", "<rec key=\"z\"><Line><Sku>1</Sku></Line><Line><Sku>2</Sku></Line></rec></root>");
        expected.Add(new() { ["rec@key"] = "z", ["Line[1].Sku"] = "1", ["Line[2].Sku"] = "2" });

        var rows = Run.Rows(text, new ConvertOptions { NeutraliseFormulas = false }).GetAwaiter().GetResult();
        if (rows.Count != expected.Count) return false;
        for (var i = 0; i < rows.Count; i++)
        {
            foreach (var (column, value) in expected[i])
            {
                if (!rows[i].TryGetValue(column, out var actual) || actual != value) return false;
            }
            // Cells not in the record are empty.
            if (rows[i].Count(kv => kv.Value.Length > 0) != expected[i].Count(kv => kv.Value.Length > 0)) return false;
        }
        return true;
    }

    private static string Value(Random random)
    {
        const string alphabet = "abcXYZ019 ,;\"'=+-@éø€\n";
        var length = random.Next(1, 12);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        // Formatting whitespace around element text is trimmed by design; generate trimmed values.
        return new string(chars).Trim(' ', '\n');
    }
}
