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
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !IsPlainNumber(value))
            flags |= CellFlags.FormulaRisk;
        return flags;
    }

    /// <summary>Optional sign, digits, optional fraction, optional exponent: <c>-42</c>, <c>+1.5</c>, <c>-1.5E-3</c>.</summary>
    internal static bool IsPlainNumber(ReadOnlySpan<char> value)
    {
        var i = 0;
        if (i < value.Length && value[i] is '+' or '-') i++;
        var digits = 0;
        while (i < value.Length && char.IsAsciiDigit(value[i])) { i++; digits++; }
        if (i < value.Length && value[i] == '.')
        {
            i++;
            while (i < value.Length && char.IsAsciiDigit(value[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < value.Length && value[i] is 'e' or 'E')
        {
            i++;
            if (i < value.Length && value[i] is '+' or '-') i++;
            var exponent = 0;
            while (i < value.Length && char.IsAsciiDigit(value[i])) { i++; exponent++; }
            if (exponent == 0) return false;
        }
        return i == value.Length;
    }
}
