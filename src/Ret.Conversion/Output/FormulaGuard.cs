namespace Ret.Conversion.Output;

/// <summary>The one rule for CSV formula injection (SECURITY-CHECKLIST 18), shared by the engine's writers and every
/// other CSV RET produces (table exports, patch logs): a cell that starts with <c>= + - @</c>, tab or CR is run by a
/// spreadsheet as a formula unless it is a plain number such as <c>-42</c> or <c>+1.5E-3</c>.</summary>
public static class FormulaGuard
{
    public static bool IsFormulaRisk(ReadOnlySpan<char> value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !IsPlainNumber(value);

    /// <summary>Optional sign, digits, optional fraction, optional exponent: <c>-42</c>, <c>+1.5</c>, <c>-1.5E-3</c>.</summary>
    public static bool IsPlainNumber(ReadOnlySpan<char> value)
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
