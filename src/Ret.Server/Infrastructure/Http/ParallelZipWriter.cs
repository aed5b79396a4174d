using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Ret.Server.Infrastructure.Http;

/// <summary>
/// Writes a ZIP archive to a forward-only stream (an HTTP response) and deflates each entry on every core, as
/// <c>pigz</c> does: an entry's data is cut into blocks, each block is deflated on its own (a fresh compressor ending in
/// a sync flush, so it ends on a byte boundary and its back-references stay inside it) and the blocks are written in
/// order, followed by one empty final block. The result is one ordinary deflate stream that every unzip tool reads;
/// it is ~0.3 % larger than a single compressor's output (no window shared across 256 KiB blocks). <see cref="ZipArchive"/>
/// deflates on the writing thread only, which made "download everything" of a 70 MB table take 0.45 s, most of it
/// deflating (docs/decisions/0503).
/// Sizes and CRC follow the data (data descriptors, general-purpose flag bit 3); ZIP64 records are written where an
/// entry, an offset or the entry count outgrows the classic fields.
/// </summary>
public sealed class ParallelZipWriter : IAsyncDisposable
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint DataDescriptorSignature = 0x08074b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint EndSignature = 0x06054b50;
    private const ushort FlagDataDescriptor = 0x0008;
    private const ushort FlagUtf8Names = 0x0800;

    /// <summary>Block buffers. Not <see cref="ArrayPool{T}.Shared"/>: blocks are rented on one thread and returned on
    /// another, and the shared pool keeps a cached array per size per thread, which held ~20–30 MB after a few downloads
    /// (the server's peak RSS went from 390 to 420 MB in the end-to-end bench). This pool keeps a few per size, in total.</summary>
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(maxArrayLength: 4 << 20, maxArraysPerBucket: 8);

    /// <summary>An empty deflate block with the final bit set (fixed Huffman codes, end-of-block only).</summary>
    private static readonly byte[] FinalEmptyBlock = [0x03, 0x00];

    private readonly Stream _output;
    private readonly int _parallelism;
    private readonly int _blockSize;
    private readonly bool _forceZip64;
    private readonly List<Entry> _entries = [];
    private EntryStream? _open;
    private long _position;
    private bool _finished;

    /// <param name="output">Written forward only, asynchronously.</param>
    /// <param name="parallelism">Blocks deflated at once; default one per core.</param>
    /// <param name="blockSize">Uncompressed bytes per block.</param>
    /// <param name="forceZip64">Write the ZIP64 forms even when the classic fields would do (tests).</param>
    public ParallelZipWriter(Stream output, int? parallelism = null, int blockSize = 1 << 18, bool forceZip64 = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1024);
        _output = output;
        _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);
        _blockSize = blockSize;
        _forceZip64 = forceZip64;
    }

    /// <summary>Starts an entry; write its data to the returned stream and dispose it before the next entry.</summary>
    public async Task<Stream> OpenEntryAsync(string name, bool deflate, DateTime modified, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_open is not null)
        {
            throw new InvalidOperationException("Dispose the previous entry's stream first.");
        }

        var entry = new Entry(Encoding.UTF8.GetBytes(name), deflate, DosDateTime(modified), _position);
        _entries.Add(entry);
        var header = new byte[30 + entry.Name.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(header, LocalHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), FlagDataDescriptor | FlagUtf8Names);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(deflate ? 8 : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(10), entry.DosTime);
        // CRC and sizes (14..25) stay zero: they follow the data in the descriptor.
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)entry.Name.Length);
        entry.Name.CopyTo(header, 30);
        await WriteAsync(header, cancellationToken);
        _open = new EntryStream(this, entry, cancellationToken);
        return _open;
    }

    /// <summary>Writes the central directory: the archive is complete after this. An archive that is never finished (the
    /// export failed half-way) has no directory, so no unzip tool mistakes it for a complete one.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_open is not null)
        {
            await _open.DisposeAsync();
        }

        _finished = true;
        var start = _position;
        foreach (var entry in _entries)
        {
            await WriteAsync(CentralHeader(entry), cancellationToken);
        }

        var size = _position - start;
        var zip64 = _forceZip64 || _entries.Count >= ushort.MaxValue || start >= uint.MaxValue || size >= uint.MaxValue;
        if (zip64)
        {
            var record = new byte[56 + 20];
            var span = record.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, Zip64EndSignature);
            BinaryPrimitives.WriteUInt64LittleEndian(span[4..], 44);          // size of the rest of the record
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], 45);         // made by
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], 45);         // needed
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)_entries.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)_entries.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(span[40..], (ulong)size);
            BinaryPrimitives.WriteUInt64LittleEndian(span[48..], (ulong)start);
            BinaryPrimitives.WriteUInt32LittleEndian(span[56..], Zip64LocatorSignature);
            BinaryPrimitives.WriteUInt64LittleEndian(span[64..], (ulong)_position); // where the ZIP64 end record starts
            BinaryPrimitives.WriteUInt32LittleEndian(span[72..], 1);               // disks
            await WriteAsync(record, cancellationToken);
        }

        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, EndSignature);
        var count = (ushort)Math.Min(_entries.Count, ushort.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), zip64 ? ushort.MaxValue : count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), zip64 ? ushort.MaxValue : count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), zip64 ? uint.MaxValue : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), zip64 ? uint.MaxValue : (uint)start);
        await WriteAsync(end, cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    /// <summary>Releases the buffers of an entry left open by a failure; writes nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        _finished = true;
        if (_open is { } open)
        {
            _open = null;
            await open.AbandonAsync();
        }
    }

    private byte[] CentralHeader(Entry entry)
    {
        var big = _forceZip64 || entry.Size >= uint.MaxValue || entry.CompressedSize >= uint.MaxValue || entry.Offset >= uint.MaxValue;
        var extra = big ? 4 + 24 : 0;
        var header = new byte[46 + entry.Name.Length + extra];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, CentralHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)(big ? 45 : 20));   // made by (MS-DOS attributes)
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)(big ? 45 : 20));   // needed
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], FlagDataDescriptor | FlagUtf8Names);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], (ushort)(entry.Deflate ? 8 : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], entry.DosTime);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], entry.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], big ? uint.MaxValue : (uint)entry.CompressedSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], big ? uint.MaxValue : (uint)entry.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)entry.Name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[30..], (ushort)extra);
        BinaryPrimitives.WriteUInt32LittleEndian(span[42..], big ? uint.MaxValue : (uint)entry.Offset);
        entry.Name.CopyTo(span[46..]);
        if (big)
        {
            var x = span[(46 + entry.Name.Length)..];
            BinaryPrimitives.WriteUInt16LittleEndian(x, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 24);
            BinaryPrimitives.WriteUInt64LittleEndian(x[4..], (ulong)entry.Size);
            BinaryPrimitives.WriteUInt64LittleEndian(x[12..], (ulong)entry.CompressedSize);
            BinaryPrimitives.WriteUInt64LittleEndian(x[20..], (ulong)entry.Offset);
        }

        return header;
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _output.WriteAsync(data, cancellationToken);
        _position += data.Length;
    }

    private async ValueTask EndEntryAsync(Entry entry, CancellationToken cancellationToken)
    {
        var big = _forceZip64 || entry.Size >= uint.MaxValue || entry.CompressedSize >= uint.MaxValue;
        var descriptor = new byte[big ? 24 : 16];
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor, DataDescriptorSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(4), entry.Crc);
        if (big)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(8), (ulong)entry.CompressedSize);
            BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(16), (ulong)entry.Size);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(8), (uint)entry.CompressedSize);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(12), (uint)entry.Size);
        }

        await WriteAsync(descriptor, cancellationToken);
        _open = null;
    }

    private static uint DosDateTime(DateTime t)
    {
        if (t.Year < 1980)
        {
            t = new DateTime(1980, 1, 1);
        }

        var date = ((t.Year - 1980) << 9) | (t.Month << 5) | t.Day;
        var time = (t.Hour << 11) | (t.Minute << 5) | (t.Second / 2);
        return (uint)((date << 16) | time);
    }

    /// <summary>Deflates one block on its own and returns its bytes up to and including the sync flush (the final
    /// block the compressor adds when disposed is cut off: the entry ends with <see cref="FinalEmptyBlock"/>).</summary>
    private static (byte[] Buffer, int Length) DeflateBlock(byte[] input, int length)
    {
        // Above zlib-ng's bound for its fastest level (incompressible data grows by up to 1/8), plus the markers.
        var output = Buffers.Rent(length + (length >> 2) + 1024);
        try
        {
            using var memory = new MemoryStream(output, 0, output.Length, writable: true, publiclyVisible: true);
            int flushed;
            using (var deflate = new DeflateStream(memory, CompressionLevel.Fastest, leaveOpen: true))
            {
                deflate.Write(input, 0, length);
                deflate.Flush(); // Z_SYNC_FLUSH: ends with an empty stored block, on a byte boundary
                flushed = (int)memory.Position;
            }

            return (output, flushed);
        }
        catch
        {
            Buffers.Return(output);
            throw;
        }
        finally
        {
            Buffers.Return(input);
        }
    }

    private sealed class Entry(byte[] name, bool deflate, uint dosTime, long offset)
    {
        public byte[] Name { get; } = name;
        public bool Deflate { get; } = deflate;
        public uint DosTime { get; } = dosTime;
        public long Offset { get; } = offset;
        public uint Crc { get; set; }
        public long Size { get; set; }
        public long CompressedSize { get; set; }
    }

    /// <summary>An entry's data: stored entries go straight to the output; deflated ones are cut into blocks, deflated
    /// on the thread pool and written in order. At most one block more than the parallelism is in flight: enough to keep
    /// every core busy while the oldest is written, and a few MiB per download.</summary>
    private sealed class EntryStream(ParallelZipWriter zip, Entry entry, CancellationToken entryToken) : Stream
    {
        private readonly Crc32 _crc = new();
        private readonly Queue<Task<(byte[] Buffer, int Length)>> _inFlight = new();
        private byte[]? _block;
        private int _filled;
        private bool _disposed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !_disposed;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => entry.Size; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _crc.Append(buffer.Span);
            entry.Size += buffer.Length;
            if (!entry.Deflate)
            {
                entry.CompressedSize += buffer.Length;
                await zip.WriteAsync(buffer, cancellationToken);
                return;
            }

            while (!buffer.IsEmpty)
            {
                _block ??= Buffers.Rent(zip._blockSize);
                var take = Math.Min(buffer.Length, zip._blockSize - _filled);
                buffer.Span[..take].CopyTo(_block.AsSpan(_filled));
                _filled += take;
                buffer = buffer[take..];
                if (_filled == zip._blockSize)
                {
                    await SubmitAsync(cancellationToken);
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        private async ValueTask SubmitAsync(CancellationToken cancellationToken)
        {
            var (block, length) = (_block!, _filled);
            _block = null;
            _filled = 0;
            _inFlight.Enqueue(Task.Run(() => DeflateBlock(block, length), CancellationToken.None));
            while (_inFlight.Count > zip._parallelism)
            {
                await WriteOldestAsync(cancellationToken);
            }
        }

        private async ValueTask WriteOldestAsync(CancellationToken cancellationToken)
        {
            var (output, length) = await _inFlight.Dequeue();
            try
            {
                entry.CompressedSize += length;
                await zip.WriteAsync(output.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                Buffers.Return(output);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await CompleteAsync();
            await base.DisposeAsync();
        }

        /// <summary>Writes the rest of the entry and its data descriptor.</summary>
        private async Task CompleteAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                if (entry.Deflate)
                {
                    if (_filled > 0)
                    {
                        await SubmitAsync(entryToken);
                    }

                    while (_inFlight.Count > 0)
                    {
                        await WriteOldestAsync(entryToken);
                    }

                    entry.CompressedSize += FinalEmptyBlock.Length;
                    await zip.WriteAsync(FinalEmptyBlock, entryToken);
                }

                entry.Crc = _crc.GetCurrentHashAsUInt32();
                await zip.EndEntryAsync(entry, entryToken);
            }
            finally
            {
                await DrainAsync();
            }
        }

        public async Task AbandonAsync()
        {
            _disposed = true;
            await DrainAsync();
        }

        /// <summary>After a failure: lets the blocks still deflating finish and returns their buffers.</summary>
        private async Task DrainAsync()
        {
            while (_inFlight.TryDequeue(out var task))
            {
                try
                {
                    Buffers.Return((await task).Buffer);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // the failure that matters is already on its way up
                }
            }

            if (_block is not null)
            {
                Buffers.Return(_block);
                _block = null;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                CompleteAsync().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
