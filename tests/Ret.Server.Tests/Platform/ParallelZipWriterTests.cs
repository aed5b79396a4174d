using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Tests.Platform;

/// <summary>The download ZIP writer: entries deflated in independent blocks on several threads must read back exactly,
/// with the right CRC and sizes, through .NET's reader (which checks the CRC) — across block boundaries, empty and
/// incompressible data, stored entries and the ZIP64 forms.</summary>
public sealed class ParallelZipWriterTests
{
    private static byte[] Text(int length, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder(length + 64);
        while (builder.Length < length)
        {
            builder.Append("INV-").Append(random.Next(100_000)).Append(",\"Name, ").Append(random.Next(50)).Append("\",2024-01-")
                .Append(random.Next(10, 28)).Append(",ü€\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString(0, length));
    }

    private static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static TheoryData<int, int, bool> Shapes => new()
    {
        { 1024, 1, false },
        { 1024, 2, false },
        { 4096, 4, false },
        { 1 << 20, 2, false },
        { 4096, 2, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Entries_read_back_exactly(int blockSize, int parallelism, bool zip64)
    {
        var entries = new (string Name, byte[] Data, bool Deflate)[]
        {
            ("empty.csv", [], true),
            ("one.csv", "x"u8.ToArray(), true),
            ("exact.csv", Text(blockSize, 1), true),
            ("text.csv", Text(blockSize * 7 + 17, 2), true),
            ("noise.bin", Noise(blockSize * 3 + 5, 3), true),
            ("stored.xlsx", Noise(5000, 4), false),
            ("naïve name ü.csv", Text(3000, 5), true),
        };

        var output = new ForwardOnlyStream();
        await using (var zip = new ParallelZipWriter(output, parallelism, blockSize, zip64))
        {
            foreach (var (name, data, deflate) in entries)
            {
                await using var stream = await zip.OpenEntryAsync(name, deflate, new DateTime(2026, 11, 26, 10, 30, 12), CancellationToken.None);
                // Uneven writes, so blocks fill across several calls.
                for (var at = 0; at < data.Length;)
                {
                    var take = Math.Min(data.Length - at, 1 + at % 777);
                    await stream.WriteAsync(data.AsMemory(at, take));
                    at += take;
                }
            }

            await zip.FinishAsync(CancellationToken.None);
        }

        using var archive = new ZipArchive(new MemoryStream(output.ToArray()), ZipArchiveMode.Read);
        Assert.Equal(entries.Select(e => e.Name), archive.Entries.Select(e => e.FullName));
        foreach (var (name, data, deflate) in entries)
        {
            var entry = archive.GetEntry(name)!;
            Assert.Equal(data.Length, entry.Length);
            Assert.Equal(Crc32.HashToUInt32(data), entry.Crc32);
            Assert.Equal(new DateTime(2026, 11, 26, 10, 30, 12), entry.LastWriteTime.DateTime);
            if (!deflate)
            {
                Assert.Equal(data.Length, entry.CompressedLength);
            }

            using var read = new MemoryStream();
            await using (var source = entry.Open())
            {
                await source.CopyToAsync(read);
            }

            Assert.True(data.AsSpan().SequenceEqual(read.ToArray()), $"{name} differs after the round trip");
        }

        // Text compresses; the per-block compressors cost little against one compressor over the whole entry.
        var text = archive.GetEntry("text.csv")!;
        Assert.True(text.CompressedLength < text.Length / 2, $"text.csv: {text.CompressedLength} of {text.Length} bytes");
    }

    /// <summary>An entry deflated beforehand (as a conversion does for its downloads) is copied between deflated and
    /// stored ones, with its CRC and sizes in the descriptor and the central directory, in both the classic and ZIP64 forms.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_deflated_entry_is_copied_as_it_is(bool zip64)
    {
        var data = Text(100_000, 9);
        using var deflated = new MemoryStream();
        var deflater = new ParallelDeflateStream((bytes, token) => deflated.WriteAsync(bytes, token), parallelism: 2, blockSize: 4096);
        await deflater.WriteAsync(data);
        await deflater.CompleteAsync();
        deflated.Position = 0;

        var output = new ForwardOnlyStream();
        var when = new DateTime(2026, 11, 27, 9, 0, 0);
        await using (var zip = new ParallelZipWriter(output, 2, 4096, zip64))
        {
            await using (var first = await zip.OpenEntryAsync("first.csv", true, when, CancellationToken.None))
            {
                await first.WriteAsync(Text(5000, 1));
            }

            await zip.AddDeflatedEntryAsync("copied.csv", when, deflated, deflater.CompressedLength, deflater.Crc, deflater.UncompressedLength, CancellationToken.None);
            await using (var last = await zip.OpenEntryAsync("last.bin", false, when, CancellationToken.None))
            {
                await last.WriteAsync(Noise(3000, 2));
            }

            await zip.FinishAsync(CancellationToken.None);
        }

        using var archive = new ZipArchive(new MemoryStream(output.ToArray()), ZipArchiveMode.Read);
        Assert.Equal(["first.csv", "copied.csv", "last.bin"], archive.Entries.Select(e => e.FullName));
        var entry = archive.GetEntry("copied.csv")!;
        Assert.Equal(data.Length, entry.Length);
        Assert.Equal(deflater.CompressedLength, entry.CompressedLength);
        Assert.Equal(Crc32.HashToUInt32(data), entry.Crc32);
        using var read = new MemoryStream();
        await using (var source = entry.Open())
        {
            await source.CopyToAsync(read);
        }

        Assert.True(data.AsSpan().SequenceEqual(read.ToArray()), "the copied entry differs after the round trip");
        Assert.Equal(3000, archive.GetEntry("last.bin")!.Length);
    }

    [Fact]
    public async Task An_archive_that_is_not_finished_is_not_a_valid_zip()
    {
        var output = new ForwardOnlyStream();
        await using (var zip = new ParallelZipWriter(output, 2, 1024))
        {
            await using var stream = await zip.OpenEntryAsync("part.csv", true, DateTime.Now, CancellationToken.None);
            await stream.WriteAsync(Text(10_000, 7));
            // the export fails here: no FinishAsync
        }

        Assert.ThrowsAny<InvalidDataException>(() => new ZipArchive(new MemoryStream(output.ToArray()), ZipArchiveMode.Read));
    }

    /// <summary>An HTTP response body: write only, no seeking, no length.</summary>
    private sealed class ForwardOnlyStream : Stream
    {
        private readonly MemoryStream _inner = new();
        public byte[] ToArray() => _inner.ToArray();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);
    }
}
