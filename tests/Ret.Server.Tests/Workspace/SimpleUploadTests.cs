using Ret.Server.Features.Workspace.Uploads;
using static Ret.Server.Tests.Workspace.UploadData;

namespace Ret.Server.Tests.Workspace;

public sealed class SimpleUploadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ret-simple-upload-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Destination => Path.Combine(_root, "stored.bin");

    private Task<SimpleUploadResult> Upload(Stream body, string name = "export.zip", long? contentLength = null, long max = 1_000_000, long quota = long.MaxValue) =>
        SimpleUpload.WriteAsync(body, Destination, name, contentLength, max, quota, default, bufferBytes: 64 * 1024);

    [Fact]
    public async Task A_body_is_streamed_to_the_destination_and_counted()
    {
        var data = Zip(150_000);

        var result = await Upload(new PieceStream(Split(data, 1, 60_000)), name: "../x/Export.ZIP", contentLength: data.Length);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(150_000, result.Bytes);
        Assert.Equal("Export.ZIP", result.FileName);
        Assert.Equal(UploadKind.Zip, result.Kind);
        Assert.Equal(data, await File.ReadAllBytesAsync(Destination));
        Assert.Single(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task A_declared_length_over_the_cap_is_refused_before_reading()
    {
        var body = new PieceStream(Zip(10)) { FailBeforePiece = 0, Failure = new InvalidOperationException("must not read") };

        var result = await Upload(body, contentLength: 2_000_000);

        Assert.Equal(UploadError.FileTooLarge, result.Error);
    }

    [Fact]
    public async Task A_chunked_body_fails_as_soon_as_it_crosses_the_cap_and_leaves_nothing()
    {
        var data = Zip(60_000);
        var body = new PieceStream(data[..30_000], data[30_000..], new byte[1]) { FailBeforePiece = 2, Failure = new InvalidOperationException("read past the cap") };

        var result = await Upload(body, contentLength: null, max: 50_000);

        Assert.Equal(UploadError.FileTooLarge, result.Error);
        Assert.Contains("limit per file", result.Message);
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task Crossing_the_remaining_quota_is_a_quota_error()
    {
        var data = Zip(60_000);

        var result = await Upload(new PieceStream(data[..30_000], data[30_000..]), quota: 40_000);

        Assert.Equal(UploadError.QuotaExceeded, result.Error);
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task A_pdf_named_zip_is_refused_with_the_friendly_message()
    {
        var result = await Upload(new PieceStream(Pdf(1_000)));

        Assert.Equal(UploadError.WrongFileType, result.Error);
        Assert.Equal("This file is not a ZIP archive (it starts like a PDF).", result.Message);
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task Empty_short_and_misnamed_bodies_are_refused()
    {
        Assert.Equal(UploadError.EmptyFile, (await Upload(new PieceStream())).Error);
        Assert.Equal(UploadError.EmptyFile, (await Upload(new PieceStream(), contentLength: 0)).Error);
        Assert.Equal(UploadError.Incomplete, (await Upload(new PieceStream(Zip(100)), contentLength: 200)).Error);
        Assert.Equal(UploadError.InvalidName, (await Upload(new PieceStream(Zip(100)), name: "x.exe")).Error);
        Assert.Equal(UploadError.WrongFileType, (await Upload(new PieceStream("PK"u8.ToArray()))).Error);
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task Utf16_xml_is_accepted()
    {
        var data = Utf16Xml(bigEndian: false);

        var result = await Upload(new PieceStream(data), name: "feed.xml", contentLength: data.Length);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(UploadKind.Xml, result.Kind);
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_no_file()
    {
        var body = new PieceStream(Zip(1_000), Zip(1_000)) { FailBeforePiece = 1 };

        await Assert.ThrowsAsync<OperationCanceledException>(() => Upload(body));

        Assert.Empty(Directory.EnumerateFiles(_root));
    }
}
