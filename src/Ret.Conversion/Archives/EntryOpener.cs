using System.IO.Compression;
using Ret.Conversion.Safety;

namespace Ret.Conversion.Archives;

/// <summary>
/// Opens entries for one thread. ZIP archives are not thread-safe, so every worker has its own opener,
/// which keeps one <see cref="ZipArchive"/> per container it has touched.
/// </summary>
internal sealed class EntryOpener(SafetyLimits limits, InflationBudget budget) : IDisposable
{
    private readonly Dictionary<ContainerHandle, ZipArchive> _archives = new(ReferenceEqualityComparer.Instance);

    public ZipArchive GetArchive(ContainerHandle container)
    {
        if (!_archives.TryGetValue(container, out var archive))
        {
            archive = container.OpenArchive();
            _archives.Add(container, archive);
        }
        return archive;
    }

    /// <summary>Opens the entry with every cap enforced while reading.</summary>
    public CountingStream Open(EntrySource source, string name, Action<long>? onRead = null) =>
        new(source.OpenRaw(this), limits, source is ZipEntrySource ? budget : null, source.CompressedLength, name, onRead);

    /// <summary>Gives back budget for an entry read again from its start (the same bytes, not more of them).</summary>
    public void Refund(EntrySource source, long bytes)
    {
        if (source is ZipEntrySource) budget.Release(bytes);
    }

    public void Dispose()
    {
        foreach (var archive in _archives.Values) archive.Dispose();
        _archives.Clear();
    }
}
