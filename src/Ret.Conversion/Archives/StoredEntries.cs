using System.Buffers.Binary;

namespace Ret.Conversion.Archives;

/// <summary>
/// Finds where the bytes of an entry stored without compression lie in its ZIP, so that a nested archive stored
/// that way is read in place instead of being copied into memory or a temp file (exports often store their module
/// and batch ZIPs: compressing them again gains nothing). Only the plain layout is located — one central directory
/// right before its end record, no ZIP64 fields, a local header that agrees — and everything else answers "unknown",
/// which leaves the caller to copy the entry as before.
/// </summary>
internal static class StoredEntries
{
    private const uint EndSignature = 0x06054b50, DirectorySignature = 0x02014b50, LocalSignature = 0x04034b50;
    private const int EndSize = 22, DirectoryRecordSize = 46, LocalHeaderSize = 30;

    /// <summary>One central-directory record: the method, the two sizes and where the local header is.</summary>
    internal readonly record struct Record(ushort Method, long CompressedSize, long Size, long LocalHeader);

    /// <summary>The central-directory records of the ZIP in <paramref name="zip"/>, in directory order (the order of
    /// <c>ZipArchive.Entries</c>); null when the directory is not of the plain layout.</summary>
    public static Record[]? ReadDirectory(Stream zip)
    {
        var length = zip.Length;
        if (length < EndSize) return null;
        var tailLength = (int)Math.Min(length, EndSize + ushort.MaxValue);
        var tail = new byte[tailLength];
        zip.Position = length - tailLength;
        zip.ReadExactly(tail);
        var end = -1;
        for (var i = tailLength - EndSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature
                && i + EndSize + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) == tailLength)
            {
                end = i;
                break;
            }
        }
        if (end < 0) return null;
        var e = tail.AsSpan(end);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
        long start = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
        var endPosition = length - tailLength + end;
        // ZIP64 (sentinel values) and data before the archive (directory not right before the end record) are not located.
        if (count == ushort.MaxValue || start == uint.MaxValue || start + size != endPosition || size > 64L * 1024 * 1024) return null;

        var directory = new byte[size];
        zip.Position = start;
        zip.ReadExactly(directory);
        var records = new Record[count];
        var at = 0;
        for (var n = 0; n < count; n++)
        {
            if (at + DirectoryRecordSize > directory.Length) return null;
            var r = directory.AsSpan(at);
            if (BinaryPrimitives.ReadUInt32LittleEndian(r) != DirectorySignature) return null;
            records[n] = new Record(
                BinaryPrimitives.ReadUInt16LittleEndian(r[10..]),
                BinaryPrimitives.ReadUInt32LittleEndian(r[20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(r[24..]),
                BinaryPrimitives.ReadUInt32LittleEndian(r[42..]));
            at += DirectoryRecordSize + BinaryPrimitives.ReadUInt16LittleEndian(r[28..]) + BinaryPrimitives.ReadUInt16LittleEndian(r[30..])
                + BinaryPrimitives.ReadUInt16LittleEndian(r[32..]);
        }
        return at == directory.Length ? records : null;
    }

    /// <summary>Where the data of <paramref name="record"/> starts in <paramref name="zip"/>, when it is stored
    /// uncompressed, <paramref name="size"/> bytes long, inside the ZIP and its local header agrees; else null.</summary>
    public static long? DataOffset(Stream zip, Record record, long size)
    {
        const uint zip64 = uint.MaxValue;
        if (record.Method != 0 || record.CompressedSize != size || record.Size != size || record.LocalHeader == zip64
            || record.Size == zip64 || record.LocalHeader + LocalHeaderSize > zip.Length)
            return null;
        Span<byte> header = stackalloc byte[LocalHeaderSize];
        zip.Position = record.LocalHeader;
        zip.ReadExactly(header);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalSignature || BinaryPrimitives.ReadUInt16LittleEndian(header[8..]) != 0) return null;
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        long localCompressed = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
        long localSize = BinaryPrimitives.ReadUInt32LittleEndian(header[22..]);
        // With a data descriptor (flag bit 3) the local sizes may be zero; otherwise they must be the directory's.
        var sizesAgree = (localCompressed == size && localSize == size) || ((flags & 8) != 0 && localCompressed == 0 && localSize == 0);
        if (!sizesAgree) return null;
        var data = record.LocalHeader + LocalHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        return data + size <= zip.Length ? data : null;
    }
}
