using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Ret.Conversion.Output;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// A table's CSV download, deflated while the conversion writes the table (docs/decisions/0506): the engine hands over
/// its bytes with the conversion's export options applied (formula guard, BOM: the bytes <see cref="CsvPassThrough"/>
/// would make of its file) and a <see cref="ParallelDeflateStream"/> compresses them, mostly on the core the engine's
/// single-threaded merge leaves free. "Download a group"
/// or "everything" then copies the deflated bytes into the ZIP instead of guarding and deflating them again. The file
/// sits beside the engine's CSV as <c>.NAME.csv.deflate</c>: a 32-byte header (magic, CRC-32 and length of the
/// uncompressed download, the export options it was made for, the deflated length) and the raw deflate stream.
/// It is used only when it matches: same options, complete, and the table's rows are still the engine's file.
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

    private static byte Flags(CsvExportOptions options) => (byte)((options.NeutraliseFormulas ? 1 : 0) | (options.Bom ? 2 : 0));

    /// <summary>Given to the engine as <c>ConvertOptions.CsvTap</c>: deflates every CSV the conversion writes into
    /// <paramref name="directory"/> (the run's folder while it is written). A copy that fails is removed and logged;
    /// the conversion goes on, and that table's download deflates it as before.</summary>
    public sealed class Tap(string directory, CsvExportOptions options, ILogger logger) : ITableFileTap
    {
        private readonly List<Copy> _copies = [];

        public ITableFileCopy? Open(string fileName)
        {
            var copy = new Copy(PathFor(Path.Combine(directory, fileName)), options, logger);
            lock (_copies)
            {
                _copies.Add(copy);
            }

            return copy;
        }

        /// <summary>Waits until every copy is written or given up; returns how many were written. Never throws.</summary>
        public async Task<int> CompleteAsync()
        {
            Task<bool>[] done;
            lock (_copies)
            {
                done = _copies.Select(c => c.Done).ToArray();
            }

            return (await Task.WhenAll(done)).Count(ok => ok);
        }
    }

    /// <summary>One table: the engine's writes (guarded by the engine as asked) go into a pipe; a task on the thread pool
    /// deflates them into the file.</summary>
    private sealed class Copy : ITableFileCopy
    {
        private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false));
        private readonly string _path;
        private readonly CsvExportOptions _options;
        private readonly ILogger _logger;
        private bool _ended;

        public Copy(string path, CsvExportOptions options, ILogger logger)
        {
            _path = path;
            _options = options;
            _logger = logger;
            Done = Task.Run(RunAsync);
        }

        public Task<bool> Done { get; }

        public bool NeutraliseFormulas => _options.NeutraliseFormulas;

        public bool Bom => _options.Bom;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (_ended)
            {
                return;
            }

            _pipe.Writer.Write(bytes);
            if (_pipe.Writer.UnflushedBytes < 1 << 16)
            {
                return; // a formula guard's prefix, or the bytes up to one: handed over with the next larger piece
            }

            var flush = _pipe.Writer.FlushAsync();
            // Waits only when the deflater is 4 MiB behind: the merge then runs at the deflater's pace.
            var result = flush.IsCompleted ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
            if (result.IsCompleted)
            {
                _ended = true; // the deflater gave up (and said why); the engine's file is unaffected
            }
        }

        public void Complete()
        {
            if (!_ended)
            {
                _ended = true;
                _pipe.Writer.Complete();
            }
        }

        public void Dispose()
        {
            if (!_ended)
            {
                _ended = true;
                _pipe.Writer.Complete(new OperationCanceledException("The conversion stopped before this table was complete."));
            }
        }

        private async Task<bool> RunAsync()
        {
            try
            {
                await using (var file = new FileStream(_path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    var header = new byte[HeaderSize]; // zero until the end: an unfinished file has no magic
                    await file.WriteAsync(header);
                    var deflate = new ParallelDeflateStream((data, token) => file.WriteAsync(data, token));
                    try
                    {
                        await _pipe.Reader.CopyToAsync(deflate);
                        await _pipe.Reader.CompleteAsync();
                        await deflate.CompleteAsync();
                    }
                    catch
                    {
                        await deflate.AbandonAsync();
                        throw;
                    }

                    Magic.CopyTo(header);
                    BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), deflate.Crc);
                    header[12] = Flags(_options);
                    BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), deflate.UncompressedLength);
                    BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), deflate.CompressedLength);
                    file.Position = 0;
                    await file.WriteAsync(header);
                }

                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "The deflated download of {File} could not be prepared; it will be deflated when downloaded", Path.GetFileName(_path));
                }

                await _pipe.Reader.CompleteAsync(ex);
                try
                {
                    File.Delete(_path);
                }
                catch (IOException)
                {
                    // the run's folder goes anyway if the conversion failed; otherwise Find refuses a file without magic
                }

                return false;
            }
        }
    }
}
