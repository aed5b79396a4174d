using Ret.Conversion.Archives;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

public class GroupResolverTests
{
    /// <summary>Path segments: "name.zip" = archive, "name/" = folder, last = file.</summary>
    private static PathSegment[] Segments(string path)
    {
        var parts = path.Split('|');
        return parts.Select((p, i) => i == parts.Length - 1
            ? new PathSegment(p, SegmentKind.File)
            : p.EndsWith('/') ? new PathSegment(p.TrimEnd('/'), SegmentKind.Folder) : new PathSegment(p, SegmentKind.Archive)).ToArray();
    }

    [Theory]
    [InlineData("AR_PAYMENT_TERM.zip|1.xml", "AR_PAYMENT_TERM")]
    [InlineData("Export_20240101_123000.zip|AR_PAYMENT_TERM.zip|1_BATCH.zip|x.xml", "AR_PAYMENT_TERM")]
    [InlineData("Export_20240101_123000.zip|AR_PAYMENT_TERM.zip|2_BATCH.zip|x.xml", "AR_PAYMENT_TERM")]
    [InlineData("AR_PAYMENT_TERM.zip|BATCH_7.zip|x.xml", "AR_PAYMENT_TERM")]
    [InlineData("3_GL_JOURNAL.zip|x.xml", "GL_JOURNAL")]
    [InlineData("7_7_test-examples.zip|x.xml", "test-examples")]
    [InlineData("test-examples_1.zip|x.xml", "test-examples")]
    [InlineData("Customers/|businessObjectData/|c1.xml", "Customers")]
    [InlineData("Customers/|data/|files/|xml/|c1.xml", "Customers")]
    [InlineData("export/|Suppliers/|export/|s.xml", "Suppliers")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301.zip|PaymentTerm_0001.xml", "PaymentTerm")]
    [InlineData("Export_20240101_123000.zip|PaymentTerm_20240101_0001.xml", "PaymentTerm")]
    [InlineData("data/|Invoice-2024-01-05.xml", "Invoice")]
    [InlineData("525252.xml", GroupResolver.DefaultGroup)]
    [InlineData("Examples/|BR_Examples.zip|5mb.xml", "BR_Examples")]
    [InlineData("BIg_test-examples.zip|test-examples.zip|a.xml", "test-examples")]
    public void Builtin_rules_assign_the_expected_group(string path, string expected) =>
        Assert.Equal(expected, new GroupResolver().Resolve(Segments(path)));

    [Fact]
    public void Caller_prefixes_win_over_folder_names()
    {
        var resolver = new GroupResolver(new GroupingOptions { Prefixes = ["AR_", "AR_PAYMENT"] });
        Assert.Equal("AR_PAYMENT", resolver.Resolve(Segments("Sales/|AR_PAYMENT_TERMS_1.xml")));
        Assert.Equal("AR", resolver.Resolve(Segments("Sales/|AR_INVOICE.xml")));
    }

    [Fact]
    public void Caller_folder_level_names_the_group()
    {
        var resolver = new GroupResolver(new GroupingOptions { FolderLevel = 1 });
        Assert.Equal("2024", resolver.Resolve(Segments("Export/|2024/|Customers/|c.xml")));
        Assert.Equal("Customers", new GroupResolver().Resolve(Segments("Export/|2024/|Customers/|c.xml")));
    }

    [Fact]
    public async Task Groups_merge_case_insensitively_in_deterministic_order()
    {
        using var temp = new TempDir();
        temp.File("in/zeta/a.xml", "<r><x>1</x></r>");
        temp.File("in/Alpha/a.xml", "<r><x>1</x></r>");
        temp.File("in/ALPHA.zip.d/readme.txt", "not xml");
        temp.Bytes("in/alpha.zip", Zip.Build(Zip.Text("b.xml", "<r><x>2</x></r>")));
        var report = await ArchiveScanner.ScanAsync(temp.Combine("in"));
        Assert.Equal(["Alpha", "zeta"], report.Groups.Select(g => g.Name));
        Assert.Equal(2, report.Groups[0].FileCount);
    }
}
