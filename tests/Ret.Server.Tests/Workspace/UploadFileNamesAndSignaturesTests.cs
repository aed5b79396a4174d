using System.Text;
using Ret.Server.Features.Workspace.Uploads;

namespace Ret.Server.Tests.Workspace;

public sealed class UploadFileNamesAndSignaturesTests
{
    [Theory]
    [InlineData("export.zip", "export.zip")]
    [InlineData("../../etc/passwd.xml", "passwd.xml")]
    [InlineData("C:\\Users\\me\\Desktop\\data.XML", "data.XML")]
    [InlineData("a\u0000b\u0007c.zip", "abc.zip")]
    [InlineData("invoice\u202Egpj.zip", "invoicegpj.zip")]
    [InlineData("  spaced name .zip  ", "spaced name .zip")]
    [InlineData("what?<>|*:\".zip", "what.zip")]
    [InlineData("...", null)]
    [InlineData("   ", null)]
    [InlineData("dir/", null)]
    [InlineData(null, null)]
    public void File_names_are_reduced_to_a_safe_last_segment(string? raw, string? expected) =>
        Assert.Equal(expected, UploadFileNames.Sanitise(raw));

    [Fact]
    public void Long_names_are_cut_keeping_the_extension_and_whole_characters()
    {
        var name = UploadFileNames.Sanitise(new string('é', 150) + string.Concat(Enumerable.Repeat("𝄞", 100)) + ".zip")!;

        Assert.True(name.Length <= UploadFileNames.MaxLength);
        Assert.EndsWith(".zip", name);
        Assert.True(Encoding.UTF8.GetByteCount(name) > 0);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void Combining_marks_are_kept_as_sent() =>
        Assert.Equal("e\u0301te\u0301.xml", UploadFileNames.Sanitise("e\u0301te\u0301.xml"));

    [Theory]
    [InlineData("a.zip", UploadKind.Zip)]
    [InlineData("A.ZIP", UploadKind.Zip)]
    [InlineData("b.Xml", UploadKind.Xml)]
    [InlineData("c.xml.gz", null)]
    [InlineData("zip", null)]
    public void The_kind_comes_from_the_extension(string name, UploadKind? kind) => Assert.Equal(kind, UploadFileNames.KindOf(name));

    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A }, "a PNG image")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, "a GIF image")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0 }, "a JPEG image")]
    [InlineData(new byte[] { 0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x00 }, "a RAR archive")]
    [InlineData(new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C }, "a 7-Zip archive")]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, "a gzip file")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D }, "a PDF")]
    [InlineData(new byte[] { 0x3C, 0x3F, 0x78, 0x6D, 0x6C }, "an XML document")]
    public void Zip_uploads_that_are_something_else_say_what_they_look_like(byte[] head, string like)
    {
        var (verdict, message) = FileSignatures.Check(UploadKind.Zip, head, isComplete: false);

        Assert.Equal(SignatureVerdict.Rejected, verdict);
        Assert.Equal($"This file is not a ZIP archive (it starts like {like}).", message);
    }

    [Fact]
    public void Xml_uploads_that_are_a_zip_say_so()
    {
        var (verdict, message) = FileSignatures.Check(UploadKind.Xml, "PK\x03\x04rest"u8, isComplete: false);

        Assert.Equal(SignatureVerdict.Rejected, verdict);
        Assert.Equal("This file is not an XML document (it starts like a ZIP archive).", message);
    }

    [Theory]
    [InlineData(new byte[] { 0x50 }, SignatureVerdict.NeedMore)]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03 }, SignatureVerdict.NeedMore)]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04 }, SignatureVerdict.Accepted)]
    [InlineData(new byte[] { 0x50, 0x41 }, SignatureVerdict.Rejected)]
    public void Zip_decisions_wait_only_while_the_bytes_can_still_become_a_signature(byte[] head, SignatureVerdict verdict) =>
        Assert.Equal(verdict, FileSignatures.Check(UploadKind.Zip, head, isComplete: false).Verdict);

    [Fact]
    public void A_file_that_ends_before_a_decision_is_rejected()
    {
        Assert.Equal(SignatureVerdict.Rejected, FileSignatures.Check(UploadKind.Zip, "PK"u8, isComplete: true).Verdict);
        Assert.Equal(SignatureVerdict.Rejected, FileSignatures.Check(UploadKind.Xml, [0xEF, 0xBB, 0xBF], isComplete: true).Verdict);
        Assert.Equal("The file is empty.", FileSignatures.Check(UploadKind.Xml, [], isComplete: true).Message);
    }

    [Fact]
    public void Xml_with_more_leading_whitespace_than_the_sniff_window_is_rejected()
    {
        var head = Enumerable.Repeat((byte)' ', FileSignatures.SniffLength).ToArray();

        Assert.Equal(SignatureVerdict.Rejected, FileSignatures.Check(UploadKind.Xml, head, isComplete: false).Verdict);
    }

    [Theory]
    [InlineData(new byte[] { 0x3C })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x3C })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x20, 0x00, 0x3C, 0x00 })]
    [InlineData(new byte[] { 0xFE, 0xFF, 0x00, 0x0A, 0x00, 0x3C })]
    [InlineData(new byte[] { 0x00, 0x3C, 0x00, 0x3F })]
    [InlineData(new byte[] { 0x3C, 0x00, 0x3F, 0x00 })]
    public void Xml_starts_are_accepted(byte[] head) =>
        Assert.Equal(SignatureVerdict.Accepted, FileSignatures.Check(UploadKind.Xml, head, isComplete: false).Verdict);

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x41 })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x41, 0x00 })]
    [InlineData(new byte[] { 0x7B, 0x22 })]
    [InlineData(new byte[] { 0xEF, 0x00 })]
    public void Non_xml_starts_are_rejected(byte[] head) =>
        Assert.Equal(SignatureVerdict.Rejected, FileSignatures.Check(UploadKind.Xml, head, isComplete: false).Verdict);
}
