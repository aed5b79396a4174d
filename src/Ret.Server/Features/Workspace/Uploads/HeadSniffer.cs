namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>Collects the first <see cref="FileSignatures.SniffLength"/> bytes of a stream as it passes and decides its type
/// as soon as it can. Allocation: one small array, only until the decision.</summary>
internal sealed class HeadSniffer(UploadKind kind)
{
    private byte[]? _head = new byte[FileSignatures.SniffLength];
    private int _length;

    public SignatureVerdict Verdict { get; private set; } = SignatureVerdict.NeedMore;

    public string? Message { get; private set; }

    /// <summary>Starts from bytes already stored (a resumed upload whose type was not decided yet).</summary>
    public static HeadSniffer Resume(UploadKind kind, ReadOnlySpan<byte> stored)
    {
        var sniffer = new HeadSniffer(kind);
        sniffer.Feed(stored, isComplete: false);
        return sniffer;
    }

    /// <summary>Feeds the next bytes; <paramref name="isComplete"/> says they end the file.</summary>
    public SignatureVerdict Feed(ReadOnlySpan<byte> bytes, bool isComplete)
    {
        if (Verdict != SignatureVerdict.NeedMore) return Verdict;
        var take = Math.Min(bytes.Length, _head!.Length - _length);
        bytes[..take].CopyTo(_head.AsSpan(_length));
        _length += take;
        (Verdict, Message) = FileSignatures.Check(kind, _head.AsSpan(0, _length), isComplete);
        if (Verdict != SignatureVerdict.NeedMore) _head = null;
        return Verdict;
    }
}
