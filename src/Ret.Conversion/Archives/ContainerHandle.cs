using System.IO.Compression;

namespace Ret.Conversion.Archives;

/// <summary>
/// A seekable ZIP kept for the lifetime of a walk: the input file, a spilled temp file or bytes in memory — or a
/// range of one of those, when the ZIP is an entry stored without compression in another ZIP (read in place).
/// </summary>
internal sealed class ContainerHandle
{
    private ContainerHandle(string? path, byte[]? bytes, long offset, long length)
    {
        FilePath = path;
        Bytes = bytes;
        Offset = offset;
        Length = length;
    }

    public string? FilePath { get; }

    public byte[]? Bytes { get; }

    /// <summary>Where the ZIP starts in the file or the bytes.</summary>
    public long Offset { get; }

    /// <summary>The ZIP's length; -1 for a whole file.</summary>
    public long Length { get; }

    public static ContainerHandle ForFile(string path) => new(path, null, 0, -1);

    public static ContainerHandle ForBytes(byte[] bytes, int length) => new(null, bytes, 0, length);

    /// <summary>The bytes <paramref name="offset"/> … <paramref name="offset"/> + <paramref name="length"/> of this container (relative to it).</summary>
    public ContainerHandle Slice(long offset, long length) => new(FilePath, Bytes, Offset + offset, length);

    /// <summary>An independent, seekable, read-only stream over the container's bytes.</summary>
    public Stream OpenStream()
    {
        if (Bytes is not null) return new MemoryStream(Bytes, checked((int)Offset), checked((int)Length), writable: false);
        var file = new FileStream(FilePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return Length < 0 ? file : new WindowStream(file, Offset, Length);
    }

    /// <summary>Opens an independent read-only view (each thread gets its own <see cref="ZipArchive"/>).</summary>
    public ZipArchive OpenArchive()
    {
        var stream = OpenStream();
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
