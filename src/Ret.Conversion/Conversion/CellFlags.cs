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

    public ValueClassifier(char delimiter) =>
        _quoteTriggers = SearchValues.Create(['"', '\r', '\n', delimiter]);

    public CellFlags Classify(ReadOnlySpan<char> value)
    {
        var flags = CellFlags.None;
        if (value.IndexOfAny(_quoteTriggers) >= 0) flags |= CellFlags.NeedsQuotes;
        if (Output.FormulaGuard.IsFormulaRisk(value))
            flags |= CellFlags.FormulaRisk;
        return flags;
    }
}
