namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>Outcome of looking at the first bytes of an upload.</summary>
public enum SignatureVerdict
{
    /// <summary>The bytes seen so far are a valid start of the declared kind.</summary>
    Accepted,
    /// <summary>Not enough bytes yet to decide (only possible while more bytes may come).</summary>
    NeedMore,
    /// <summary>The file is not of the declared kind; see the message.</summary>
    Rejected,
}

/// <summary>
/// Magic-byte checks for uploads: ZIP must start with a local file header (<c>PK\x03\x04</c>); XML with an optional
/// UTF-8/UTF-16 byte order mark, optional whitespace, then <c>&lt;</c>. Other well-known signatures give friendlier
/// messages ("it starts like a PDF").
/// </summary>
public static class FileSignatures
{
    /// <summary>Bytes looked at, at most. XML with more leading whitespace than this is rejected.</summary>
    public const int SniffLength = 1024;

    public static (SignatureVerdict Verdict, string? Message) Check(UploadKind kind, ReadOnlySpan<byte> head, bool isComplete)
    {
        var (verdict, message) = kind == UploadKind.Zip ? CheckZip(head) : CheckXml(head);
        if (verdict == SignatureVerdict.NeedMore && (isComplete || head.Length >= SniffLength))
        {
            return head.Length == 0
                ? (SignatureVerdict.Rejected, "The file is empty.")
                : (SignatureVerdict.Rejected, NotA(kind, head));
        }
        return (verdict, message);
    }

    private static (SignatureVerdict, string?) CheckZip(ReadOnlySpan<byte> head)
    {
        ReadOnlySpan<byte> local = [0x50, 0x4B, 0x03, 0x04];
        ReadOnlySpan<byte> empty = [0x50, 0x4B, 0x05, 0x06];
        if (head.Length >= 4)
        {
            if (head[..4].SequenceEqual(local)) return (SignatureVerdict.Accepted, null);
            if (head[..4].SequenceEqual(empty)) return (SignatureVerdict.Rejected, "This ZIP archive is empty.");
            return (SignatureVerdict.Rejected, NotA(UploadKind.Zip, head));
        }
        // A prefix of a signature may still become one; anything else is already wrong.
        if (local[..head.Length].SequenceEqual(head) || empty[..head.Length].SequenceEqual(head)) return (SignatureVerdict.NeedMore, null);
        return (SignatureVerdict.Rejected, NotA(UploadKind.Zip, head));
    }

    private static (SignatureVerdict, string?) CheckXml(ReadOnlySpan<byte> head)
    {
        if (head.Length == 0) return (SignatureVerdict.NeedMore, null);
        var unit = 1;
        var bigEndian = false;
        var i = 0;
        switch (head[0])
        {
            case 0xEF:
                ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
                if (head.Length < 3) return bom[..head.Length].SequenceEqual(head) ? (SignatureVerdict.NeedMore, null) : (SignatureVerdict.Rejected, NotA(UploadKind.Xml, head));
                if (!head[..3].SequenceEqual(bom)) return (SignatureVerdict.Rejected, NotA(UploadKind.Xml, head));
                i = 3;
                break;
            case 0xFE or 0xFF:
                if (head.Length < 2) return (SignatureVerdict.NeedMore, null);
                if (head[0] == 0xFE && head[1] == 0xFF) bigEndian = true;
                else if (!(head[0] == 0xFF && head[1] == 0xFE)) return (SignatureVerdict.Rejected, NotA(UploadKind.Xml, head));
                unit = 2;
                i = 2;
                break;
            case 0x00:
                // UTF-16BE without a byte order mark.
                if (head.Length < 2) return (SignatureVerdict.NeedMore, null);
                unit = 2;
                bigEndian = true;
                break;
        }

        for (; i + unit <= head.Length; i += unit)
        {
            int c = unit == 1 ? head[i] : bigEndian ? (head[i] << 8) | head[i + 1] : head[i] | (head[i + 1] << 8);
            if (c == '<') return (SignatureVerdict.Accepted, null);
            if (c is ' ' or '\t' or '\r' or '\n') continue;
            return (SignatureVerdict.Rejected, NotA(UploadKind.Xml, head));
        }
        return (SignatureVerdict.NeedMore, null);
    }

    private static string NotA(UploadKind kind, ReadOnlySpan<byte> head)
    {
        var what = kind == UploadKind.Zip ? "a ZIP archive" : "an XML document";
        var like = Describe(head, kind);
        return like is null
            ? $"This file is not {what} (it does not start like one)."
            : $"This file is not {what} (it starts like {like}).";
    }

    /// <summary>A human name for a well-known signature at the start of <paramref name="head"/>, or null.</summary>
    public static string? Describe(ReadOnlySpan<byte> head, UploadKind? declared = null)
    {
        if (head.StartsWith("%PDF"u8)) return "a PDF";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) return "a PNG image";
        if (head.StartsWith("GIF8"u8)) return "a GIF image";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "a JPEG image";
        if (head.StartsWith("Rar!\x1A\x07"u8)) return "a RAR archive";
        if (head.StartsWith((ReadOnlySpan<byte>)[(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C])) return "a 7-Zip archive";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return "a gzip file";
        if (declared != UploadKind.Zip && head.StartsWith("PK"u8)) return "a ZIP archive";
        if (declared != UploadKind.Xml)
        {
            var trimmed = head;
            if (trimmed.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) trimmed = trimmed[3..];
            while (trimmed.Length > 0 && trimmed[0] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') trimmed = trimmed[1..];
            if (trimmed.StartsWith("<"u8)) return "an XML document";
        }
        return null;
    }
}
