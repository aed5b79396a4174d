using System.Buffers;

namespace Ret.Conversion.Conversion;

/// <summary>Per-cell facts computed once, when the value is first encoded, so writers copy bytes without rescanning.</summary>
[Flags]
internal enum CellFlags : byte
{
    None = 0,
    /// <summary>Contains the delimiter, a quote, CR or LF: RFC 4180 quoting needed.</summary>
    NeedsQuotes = 1,
    /// <summary>Starts like a spreadsheet formula (<c>= + - @</c> tab CR) and is not a plain number.</summary>
    FormulaRisk = 2,
    /// <summary>A leaf value of the source (not the empty cell of an empty element).</summary>
    IsValue = 4,
}

/// <summary>Classifies values for CSV output.</summary>
internal sealed class ValueClassifier
{
    private readonly SearchValues<char> _quoteTriggers;
    // The same triggers as UTF-8 bytes; null when the delimiter is not ASCII (then bytes are classified as text).
    private readonly SearchValues<byte>? _quoteTriggerBytes;

    public ValueClassifier(char delimiter)
    {
        _quoteTriggers = SearchValues.Create(['"', '\r', '\n', delimiter]);
        if (char.IsAscii(delimiter)) _quoteTriggerBytes = SearchValues.Create([(byte)'"', (byte)'\r', (byte)'\n', (byte)delimiter]);
    }

    public CellFlags Classify(ReadOnlySpan<char> value)
    {
        var flags = CellFlags.None;
        if (value.IndexOfAny(_quoteTriggers) >= 0) flags |= CellFlags.NeedsQuotes;
        if (Output.FormulaGuard.IsFormulaRisk(value))
            flags |= CellFlags.FormulaRisk;
        return flags;
    }

    /// <summary>The same classification for a UTF-8 value (every trigger is ASCII, so bytes can be searched directly).</summary>
    public CellFlags Classify(ReadOnlySpan<byte> utf8)
    {
        if (_quoteTriggerBytes is null) return Classify(System.Text.Encoding.UTF8.GetString(utf8));
        var flags = CellFlags.None;
        if (utf8.IndexOfAny(_quoteTriggerBytes) >= 0) flags |= CellFlags.NeedsQuotes;
        // Only a value that starts with a trigger needs the full rule (which decides on its characters).
        if (utf8.Length > 0 && utf8[0] is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r'
            && Output.FormulaGuard.IsFormulaRisk(System.Text.Encoding.UTF8.GetString(utf8)))
            flags |= CellFlags.FormulaRisk;
        return flags;
    }
}
