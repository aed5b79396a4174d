using Ret.Conversion.Conversion;

namespace Ret.Conversion.Output;

/// <summary>One cell of a row: UTF-8 bytes in some buffer plus precomputed flags. Default = empty cell.</summary>
internal struct Cell
{
    public byte[]? Buffer;
    public int Offset;
    public int Length;
    public CellFlags Flags;

    public readonly ReadOnlySpan<byte> Bytes => Buffer is null ? default : Buffer.AsSpan(Offset, Length);

    public static Cell FromString(string value, ValueClassifier classifier)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        return new Cell { Buffer = bytes, Offset = 0, Length = bytes.Length, Flags = classifier.Classify(value) };
    }
}

/// <summary>Streaming writer of one output table (CSV or XLSX), written under a temporary name.</summary>
internal interface ITableWriter : IDisposable
{
    /// <summary>Rows written, header excluded.</summary>
    long Rows { get; }

    void WriteHeader(IReadOnlyList<string> names);

    void WriteRow(ReadOnlySpan<Cell> cells);

    /// <summary>Flushes and closes the file; it can then be renamed to its final name.</summary>
    void Complete();
}
