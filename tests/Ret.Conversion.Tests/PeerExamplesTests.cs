using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary>A fact that is skipped, with the reason shown, when ../shared/data/peer-examples is absent (a fresh clone).</summary>
public sealed class PeerExamplesFactAttribute : FactAttribute
{
    public PeerExamplesFactAttribute()
    {
        if (PeerExamples.Folder is null) Skip = "peer-examples corpus not found (expected ../shared/data/peer-examples beside the repository root); skipped.";
    }
}

public static class PeerExamples
{
    /// <summary>The corpus folder, found from the repository root (the folder holding Ret.slnx), or null.</summary>
    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Ret.slnx"))) continue;
            var folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "peer-examples"));
            return Directory.Exists(folder) ? folder : null;
        }
        return null;
    }
}

/// <summary>The real Crossref/library corpus; expected figures counted by hand from the files.</summary>
public class PeerExamplesTests
{
    [PeerExamplesFact]
    public async Task Crossref_and_library_files_are_detected_and_converted()
    {
        var folder = PeerExamples.Folder!;
        var report = await ArchiveScanner.ScanAsync(folder);
        Assert.Null(report.StoppedReason);
        Assert.Equal(153, report.XmlFileCount);
        Assert.Contains(report.Entries, e => e.Kind == Archives.EntryKind.Skipped && e.Path.EndsWith("Small_test-examples.rar", StringComparison.Ordinal));

        string Record(string path) => report.Entries.Single(e => e.Path == path).RecordPath!;
        Assert.Equal("doi_batch/body/journal/journal_article", Record("BIg_test-examples/journal_article_4.4.2.xml"));
        Assert.Equal("doi_batch/body/book", Record("BIg_test-examples/book_4.4.2.xml"));
        Assert.Equal("doi_batch/body/conference/conference_paper", Record("BIg_test-examples/conf_series_4.4.2.xml"));
        Assert.Equal("doi_batch/body/dissertation", Record("BIg_test-examples/dissertation_4.4.2.xml"));
        Assert.Equal("doi_batch/body/posted_content", Record("BIg_test-examples/posted_content_4.4.2.xml"));
        Assert.Equal("doi_batch/body/peer_review", Record("BIg_test-examples/peer_review_R1-1_4.4.2.xml"));
        Assert.Equal("doi_batch/body/sa_component/component_list/component", Record("BIg_test-examples/component_4.4.2.xml"));
        Assert.Equal("doi_batch/body/grant", Record("BIg_test-examples/grantid_full_example.xml"));
        Assert.Equal("library/book", Record("Examples/1mb.xml"));
        Assert.Equal("library/book", Record("Examples/BR_Examples.zip/12mb.xml"));

        Assert.Equal(["BIg_test-examples", "BR_Examples", "Examples", "test-examples"], report.Groups.Select(g => g.Name));

        using var temp = new TempDir();
        var (manifest, outDir) = await Run.Convert(folder, temp, new ConvertOptions { Groups = ["Examples", "BIg_test-examples"] });
        Assert.Equal(0, manifest.FailedFiles);
        Assert.All(manifest.Files, f => Assert.Equal(f.LeafValues, f.ValuesWritten));

        // 1mb.xml + 2mb.xml: 6,401 + 11,741 <book> elements (grep -c '<book>').
        var library = Csv.ReadRecords(Path.Combine(outDir, "Examples.csv"));
        Assert.Equal(18_142, library.Count);
        Assert.Equal(["title", "author", "genre", "year", "publisher"], library[0].Keys);

        // journal_article_4.4.2.xml holds two articles; the folder and the zip hold the same 11 journal files.
        var articles = manifest.Files.Where(f => f.Table == "BIg_test-examples.journal_article").ToList();
        Assert.Equal(22, articles.Count);
        Assert.Equal(24, articles.Sum(f => f.Rows));
        var rows = Csv.ReadRecords(Path.Combine(outDir, "BIg_test-examples.journal_article.csv"));
        Assert.Equal(24, rows.Count);
        Assert.Contains(rows, r => r["titles.title"] == "When your best metadata isn't good enough: working with an imperfect specification");
        Assert.Contains(rows, r => r["doi_batch.body.journal.journal_metadata.full_title"] == "Journal of Metadata Perfection");
    }

    /// <summary>The real corpus through the fast reader and through XmlReader only (docs/decisions/0109): the same bytes.</summary>
    [PeerExamplesFact]
    public async Task The_corpus_converts_identically_with_and_without_the_fast_reader()
    {
        using var temp = new TempDir();
        var folder = PeerExamples.Folder!;
        foreach (var mode in new[] { RepeatMode.Wide, RepeatMode.Relational })
        {
            var (fast, fastDir) = await Run.Convert(folder, temp, new ConvertOptions { Mode = mode }, $"fast-{mode}");
            var (reader, readerDir) = await Run.Convert(folder, temp, new ConvertOptions { Mode = mode, FastXml = false }, $"reader-{mode}");
            var names = Directory.GetFiles(fastDir).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(names, Directory.GetFiles(readerDir).Select(Path.GetFileName).Order());
            Assert.True(names.Count > 10, $"only {names.Count} outputs");
            foreach (var name in names.Where(n => n != Converter.ManifestFileName))
            {
                Assert.True(File.ReadAllBytes(Path.Combine(fastDir, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(readerDir, name!))), $"{mode}: {name} differs");
            }
            Assert.Equal(RetJsonContext.Serialize(reader with { Timings = null }), RetJsonContext.Serialize(fast with { Timings = null }));
            Assert.True(fast.Tables.Sum(t => t.Rows) > 18_000);
        }
    }
}
