namespace Ret.Conversion.Safety;

/// <summary>
/// Shared byte budget for everything inflated during one walk (total-bytes cap), thread-safe.
/// </summary>
public sealed class InflationBudget(long maxTotalBytes)
{
    private long _used;

    public long Used => Interlocked.Read(ref _used);

    public void Consume(long bytes)
    {
        if (Interlocked.Add(ref _used, bytes) > maxTotalBytes)
            throw new LimitExceededException($"Total uncompressed size cap reached ({maxTotalBytes:N0} bytes).");
    }

    /// <summary>Returns bytes that were consumed by a read that is being repeated.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}

/// <summary>
/// Read-only wrapper that counts the bytes actually produced by an inner (usually inflating) stream and
/// enforces the per-entry, ratio and total caps while reading. Headers are never trusted.
/// </summary>
internal sealed class CountingStream : Stream
{
    private readonly Stream _inner;
    private readonly SafetyLimits _limits;
    private readonly InflationBudget? _budget;
    private readonly long _compressedLength;
    private readonly string _name;
    private readonly Action<long>? _onRead;

    public CountingStream(Stream inner, SafetyLimits limits, InflationBudget? budget, long compressedLength, string name, Action<long>? onRead = null)
    {
        _inner = inner;
        _limits = limits;
        _budget = budget;
        _compressedLength = compressedLength;
        _name = name;
        _onRead = onRead;
    }

    /// <summary>Bytes produced so far.</summary>
    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        if (n > 0) Account(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken);
        if (n > 0) Account(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Account(int n)
    {
        BytesRead += n;
        if (BytesRead > _limits.MaxEntryBytes)
            throw new LimitExceededException($"'{_name}' exceeds the per-entry size cap ({_limits.MaxEntryBytes:N0} bytes).");
        if (_compressedLength > 0 && BytesRead > _limits.RatioCheckMinimumBytes
            && BytesRead > _compressedLength * _limits.MaxCompressionRatio)
            throw new LimitExceededException(
                $"'{_name}' exceeds the compression ratio cap ({_limits.MaxCompressionRatio:N0}:1; zip bomb protection).");
        _budget?.Consume(n);
        _onRead?.Invoke(n);
    }

    /// <summary>Reads the rest of the stream (so the caps and the size are checked on every byte).</summary>
    public void Drain()
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try { while (Read(buffer, 0, buffer.Length) > 0) { } }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
