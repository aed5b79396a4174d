using System.IO.Compression;

namespace Ret.Conversion.Archives;

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
