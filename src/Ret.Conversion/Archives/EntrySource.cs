using System.IO.Compression;

namespace Ret.Conversion.Archives;

/// <summary>A seekable ZIP kept for the lifetime of a walk: the input file, a spilled temp file or bytes in memory.</summary>
internal sealed class ContainerHandle
{
    private ContainerHandle(string? path, byte[]? bytes, int length)
    {
        FilePath = path;
        Bytes = bytes;
        Length = length;
    }

    public string? FilePath { get; }

    public byte[]? Bytes { get; }

    public int Length { get; }

    public static ContainerHandle ForFile(string path) => new(path, null, 0);

    public static ContainerHandle ForBytes(byte[] bytes, int length) => new(null, bytes, length);

    /// <summary>Opens an independent read-only view (each thread gets its own <see cref="ZipArchive"/>).</summary>
    public ZipArchive OpenArchive()
    {
        Stream stream = FilePath is not null
            ? new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess)
            : new MemoryStream(Bytes!, 0, Length, writable: false);
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

/// <summary>How to open an XML entry again, possibly from another thread.</summary>
internal abstract class EntrySource
{
    /// <summary>Compressed size (0 when not compressed); used by the ratio cap.</summary>
    public abstract long CompressedLength { get; }

    public abstract Stream OpenRaw(EntryOpener opener);
}

internal sealed class FileEntrySource(string path) : EntrySource
{
    public string FilePath { get; } = path;

    public override long CompressedLength => 0;

    public override Stream OpenRaw(EntryOpener opener) =>
        new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}

internal sealed class ZipEntrySource(ContainerHandle container, int index, long compressedLength) : EntrySource
{
    public ContainerHandle Container { get; } = container;

    public int Index { get; } = index;

    public override long CompressedLength { get; } = compressedLength;

    public override Stream OpenRaw(EntryOpener opener) => opener.GetArchive(Container).Entries[Index].Open();
}
