namespace Ret.Conversion.Output;

/// <summary>
/// Receives a copy of each CSV table file's bytes while the engine writes it (optionally with the formula guard or a
/// BOM the file is written without), so a host can work on the output as it is
/// produced (the server deflates it for downloads while the merge runs, docs/decisions/0506) instead of reading the
/// file again afterwards. It observes; it never changes what the engine writes.
/// </summary>
public interface ITableFileTap
{
    /// <summary>Called on the writing thread before the first byte of <paramref name="fileName"/> (the table's final file
    /// name in the output folder) is written; null: no copy of this file.</summary>
    ITableFileCopy? Open(string fileName);
}

/// <summary>The copy of one file. Written on the engine's merge thread: keep <see cref="Write"/> cheap (copy the bytes
/// and return; they are reused after the call).</summary>
public interface ITableFileCopy : IDisposable
{
    /// <summary>The copy is the file as the engine would write it with formula neutralisation on (a <c>'</c> before each
    /// formula-like value), even when the file itself is written without.</summary>
    bool NeutraliseFormulas { get; }

    /// <summary>The copy starts with a UTF-8 byte order mark, even when the file does not.</summary>
    bool Bom { get; }

    /// <summary>The next bytes of the file, in order.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>The file is complete: every byte has been written. Disposing without this call means the file was
    /// abandoned (the conversion failed or was cancelled) and the copy must be discarded.</summary>
    void Complete();
}
