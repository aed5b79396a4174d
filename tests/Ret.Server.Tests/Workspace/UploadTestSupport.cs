using System.Text;
using Ret.Server.Features.Workspace.Uploads;

namespace Ret.Server.Tests.Workspace;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A forward-only body delivered in given pieces (one per read), like a request body on the wire. It can stop
/// at a piece to wait for a signal, or fail there (a dropped connection / an aborted request).</summary>
internal sealed class PieceStream(params byte[][] pieces) : Stream
{
    private int _next;
    private int _taken;

    public int? FailBeforePiece { get; init; }

    public Exception Failure { get; init; } = new OperationCanceledException("client went away");

    public int? WaitBeforePiece { get; init; }

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_next == WaitBeforePiece)
        {
            Reached.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }
        if (_next == FailBeforePiece) throw Failure;
        if (_next >= pieces.Length) return 0;
        var piece = pieces[_next];
        var take = Math.Min(piece.Length - _taken, buffer.Length);
        piece.AsSpan(_taken, take).CopyTo(buffer.Span);
        _taken += take;
        if (_taken == piece.Length)
        {
            _next++;
            _taken = 0;
        }
        return take;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("synchronous read");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal static class UploadData
{
    public static byte[] Zip(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        "PK\x03\x04"u8.CopyTo(bytes);
        return bytes;
    }

    public static byte[] Pdf(int length)
    {
        var bytes = new byte[length];
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    public static Dictionary<string, string?> Meta(string? fileName, string? fileType = null)
    {
        var meta = new Dictionary<string, string?>();
        if (fileName is not null) meta["filename"] = fileName;
        if (fileType is not null) meta["filetype"] = fileType;
        return meta;
    }

    public static byte[][] Split(byte[] data, params int[] sizes)
    {
        var pieces = new List<byte[]>();
        var at = 0;
        foreach (var size in sizes)
        {
            pieces.Add(data[at..(at + size)]);
            at += size;
        }
        if (at < data.Length) pieces.Add(data[at..]);
        return [.. pieces];
    }

    public static byte[] Utf16Xml(bool bigEndian) =>
        [.. (bigEndian ? new UnicodeEncoding(true, true) : new UnicodeEncoding(false, true)).GetPreamble(),
         .. (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetBytes("  <?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>")];
}
