using System.Buffers.Binary;
using System.Text;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// A table's CSV download, deflated right after the conversion (docs/decisions/0506, 0507): the engine's file with the
/// conversion's export options applied (formula guard, BOM: the bytes <see cref="CsvPassThrough"/> makes of it),
/// compressed by a <see cref="ParallelDeflateStream"/>. "Download a group" or "everything" then copies the deflated
/// bytes into the ZIP instead of guarding and deflating them again. The file sits beside the engine's CSV as
/// <c>.NAME.csv.deflate</c>: a 32-byte header (magic, CRC-32 and length of the uncompressed download, the export options
/// it was made for, the deflated length) and the raw deflate stream. It is used only when it matches: same options,
/// complete, and the table's rows are still the engine's file.
/// </summary>
internal static class PrecompressedCsv
{
    private const int HeaderSize = 32;
    private static ReadOnlySpan<byte> Magic => "RETDFL01"u8;

    /// <summary>The deflated download of one engine CSV.</summary>
    public sealed record Deflated(string Path, uint Crc, long Size, long CompressedSize)
    {
        /// <summary>The raw deflate stream (positioned after the header).</summary>
        public Stream OpenData()
        {
            var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            stream.Position = HeaderSize;
            return stream;
        }

        /// <summary>Length of <see cref="WriteGzipAsync"/>'s output.</summary>
        public long GzipLength => 10 + CompressedSize + 8;

        /// <summary>Writes the download as one gzip member (RFC 1952): a fixed header, the deflate stream as it is, then
        /// the CRC-32 and the length modulo 2^32 — for <c>Content-Encoding: gzip</c>.</summary>
        public async Task WriteGzipAsync(Stream output, CancellationToken cancellationToken)
        {
            // ID1 ID2, CM = deflate, no flags, no modification time, no extra flags, OS unknown
            await output.WriteAsync(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }, cancellationToken);
            await using (var data = OpenData())
            {
                await data.CopyToAsync(output, cancellationToken);
            }

            var trailer = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), unchecked((uint)Size));
            await output.WriteAsync(trailer, cancellationToken);
        }
    }

    public static string PathFor(string csvPath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(csvPath)!, "." + System.IO.Path.GetFileName(csvPath) + ".deflate");

    /// <summary>The deflated download of <paramref name="csvPath"/> made with <paramref name="options"/>, if there is a
    /// complete one.</summary>
    public static Deflated? Find(string csvPath, CsvExportOptions options)
    {
        var path = PathFor(csvPath);
        if (!CsvPassThrough.Supports(options) || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> header = stackalloc byte[HeaderSize];
            file.ReadExactly(header);
            var compressed = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
            if (!header[..8].SequenceEqual(Magic) || header[12] != Flags(options) || compressed != file.Length - HeaderSize)
            {
                return null;
            }

            return new Deflated(path, BinaryPrimitives.ReadUInt32LittleEndian(header[8..]), BinaryPrimitives.ReadInt64LittleEndian(header[16..]), compressed);
        }
        catch (IOException)
        {
            return null; // removed or cut short: the download deflates the table itself
        }
    }

    /// <summary>Writes the header of a complete deflated file at its start (the file was begun with
    /// <see cref="HeaderSize"/> zero bytes, so until this it has no magic).</summary>
    private static async Task WriteHeaderAsync(FileStream file, ParallelDeflateStream deflate, CsvExportOptions options)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), deflate.Crc);
        header[12] = Flags(options);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), deflate.UncompressedLength);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), deflate.CompressedLength);
        file.Position = 0;
        await file.WriteAsync(header);
    }

    /// <summary>Deflates the download of the engine's CSV at <paramref name="csvPath"/> into its <see cref="PathFor"/>
    /// file: written under a temporary name and renamed when complete, so a reader finds the whole file or none. Throws on
    /// failure, after removing what it wrote.</summary>
    /// <param name="formulaCells">The table's formula-like fields (the engine's manifest). With none, the guard changes
    /// nothing: the file's bytes are deflated as they are (after a BOM if asked), without <see cref="CsvPassThrough"/>'s
    /// pass over every byte (≈ 0.2 core-s per 70 MB).</param>
    public static async Task DeflateFileAsync(string csvPath, long? formulaCells, CsvExportOptions options, CancellationToken cancellationToken)
    {
        var final = PathFor(csvPath);
        var temp = $"{final}.tmp-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(new byte[HeaderSize], cancellationToken);
                var deflate = new ParallelDeflateStream((data, token) => file.WriteAsync(data, token));
                try
                {
                    await using var input = new FileStream(csvPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
                    if (formulaCells == 0 || !options.NeutraliseFormulas)
                    {
                        // The engine's files have no BOM and nothing to guard: the download is the file (after a BOM).
                        if (options.Bom)
                        {
                            await deflate.WriteAsync(Encoding.UTF8.Preamble.ToArray(), cancellationToken);
                        }

                        await input.CopyToAsync(deflate, 1 << 20, cancellationToken);
                    }
                    else
                    {
                        await CsvPassThrough.CopyAsync(input, deflate, options, cancellationToken);
                    }
                    await deflate.CompleteAsync(cancellationToken);
                }
                catch
                {
                    await deflate.AbandonAsync();
                    throw;
                }

                await WriteHeaderAsync(file, deflate, options);
            }

            File.Move(temp, final, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // the run's folder may be gone already (session deleted, conversion replaced)
            }

            throw;
        }
    }

    private static byte Flags(CsvExportOptions options) => (byte)((options.NeutraliseFormulas ? 1 : 0) | (options.Bom ? 2 : 0));
}
