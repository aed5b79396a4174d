using System.Buffers;
using System.Text;
using Ret.Conversion.Output;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// Copies one of the engine's canonical CSV files (UTF-8 without BOM, comma, CRLF, fields quoted only when they must
/// be) to a download with the user's export options applied, at the byte level: the output is byte-identical to
/// reading the file record by record and writing it again with <see cref="CsvExportWriter"/>, without decoding a
/// single cell that cannot be a formula. Only a field starting with a formula trigger (<c>= + - @</c> tab CR) is
/// decoded and judged by <see cref="FormulaGuard.IsFormulaRisk"/>; everything else is copied in large runs.
/// Measured: a 70 MB table 0.60 s → see bench/README.md ("download").
/// </summary>
internal static class CsvPassThrough
{
    /// <summary>Whether the pass-through produces what <see cref="CsvExportWriter"/> would: engine CSVs are comma
    /// separated, so only a comma-separated export qualifies.</summary>
    public static bool Supports(CsvExportOptions options) => options.Delimiter == ',';

    private enum State
    {
        FieldStart,
        QuotedStart,   // after the opening quote, before the first character of the value
        Unquoted,
        Quoted,
        QuoteInQuoted, // a quote inside a quoted field: doubled (escape) or the end of the field
        FieldEnd,      // at the comma or CR that ends a field
        AfterCr,
    }

    /// <summary>Copies <paramref name="input"/> to <paramref name="output"/>; returns the number of records (header included).</summary>
    public static async Task<long> CopyAsync(Stream input, Stream output, CsvExportOptions options, CancellationToken cancellationToken,
        int bufferSize = 1 << 20)
    {
        if (!Supports(options)) throw new ArgumentException("Only comma-separated exports can pass through.", nameof(options));
        if (options.Bom) await output.WriteAsync(Encoding.UTF8.Preamble.ToArray(), cancellationToken);
        var neutralise = options.NeutraliseFormulas;
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        var held = new ArrayBufferWriter<byte>(); // a candidate field (starts with a trigger), until its end decides
        var holding = false;
        var heldQuoted = false;
        var state = State.FieldStart;
        long records = 0;
        var content = false; // bytes after a BOM
        byte last = 0;
        try
        {
            int length;
            var first = true;
            while ((length = await input.ReadAsync(buffer.AsMemory(0, bufferSize), cancellationToken)) > 0)
            {
                var run = 0; // start of the bytes not yet written
                var i = 0;
                if (first && buffer.AsSpan(0, length).StartsWith(Encoding.UTF8.Preamble))
                {
                    run = i = Encoding.UTF8.Preamble.Length; // a BOM in the file is not part of the first value
                }
                first = false;
                if (i < length)
                {
                    content = true;
                    last = buffer[length - 1];
                }
                while (i < length)
                {
                    switch (state)
                    {
                        case State.FieldStart:
                        {
                            var b = buffer[i];
                            if (b == (byte)'"')
                            {
                                state = State.QuotedStart;
                                i++;
                            }
                            else if (b == (byte)',')
                            {
                                i++;
                            }
                            else if (b == (byte)'\r')
                            {
                                state = State.AfterCr;
                                i++;
                            }
                            else
                            {
                                if (neutralise && IsTrigger(b))
                                {
                                    await output.WriteAsync(buffer.AsMemory(run, i - run), cancellationToken);
                                    run = i;
                                    holding = true;
                                    heldQuoted = false;
                                }
                                state = State.Unquoted;
                                i++;
                            }
                            break;
                        }
                        case State.QuotedStart:
                            if (neutralise && IsTrigger(buffer[i]))
                            {
                                // The opening quote may sit in the previous buffer (already written): hold from the
                                // value's first byte and remember that the field is quoted.
                                await output.WriteAsync(buffer.AsMemory(run, i - run), cancellationToken);
                                run = i;
                                holding = true;
                                heldQuoted = true;
                            }
                            state = State.Quoted;
                            break; // the byte itself is read by the Quoted state
                        case State.Unquoted:
                        {
                            var end = buffer.AsSpan(i, length - i).IndexOfAny((byte)',', (byte)'\r');
                            if (end < 0)
                            {
                                i = length;
                                break;
                            }
                            i += end;
                            state = State.FieldEnd;
                            break;
                        }
                        case State.Quoted:
                        {
                            var quote = buffer.AsSpan(i, length - i).IndexOf((byte)'"');
                            if (quote < 0)
                            {
                                i = length;
                                break;
                            }
                            i += quote + 1;
                            state = State.QuoteInQuoted;
                            break;
                        }
                        case State.QuoteInQuoted:
                            if (buffer[i] == (byte)'"')
                            {
                                state = State.Quoted;
                                i++;
                                break;
                            }
                            state = State.FieldEnd;
                            break;
                        case State.FieldEnd:
                            if (holding)
                            {
                                run = await ReleaseAsync(buffer, run, i, held, heldQuoted, output, cancellationToken);
                                holding = false;
                            }
                            state = buffer[i] == (byte)',' ? State.FieldStart : State.AfterCr;
                            i++;
                            break;
                        case State.AfterCr:
                            if (buffer[i] != (byte)'\n') throw new InvalidDataException("The CSV file is not in the engine's format (CR without LF).");
                            records++;
                            state = State.FieldStart;
                            i++;
                            break;
                    }
                }

                if (holding)
                {
                    held.Write(buffer.AsSpan(run, length - run)); // the candidate continues in the next buffer
                }
                else
                {
                    await output.WriteAsync(buffer.AsMemory(run, length - run), cancellationToken);
                }
            }

            if (holding)
            {
                // The file ended inside the candidate (no line break after the last record).
                await ReleaseAsync(buffer, 0, 0, held, heldQuoted, output, cancellationToken);
            }

            return content && last != (byte)'\n' ? records + 1 : records; // a last record without a line break counts
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsTrigger(byte b) => b is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r';

    /// <summary>The held candidate field ends at <paramref name="end"/> (its bytes: <paramref name="held"/> + buffer
    /// [<paramref name="start"/>, <paramref name="end"/>), for a quoted field starting after the opening quote and
    /// ending with the closing one). Writes <c>'</c> first if its value is a formula risk, then the bytes; returns the new
    /// start of the unwritten run.</summary>
    private static async Task<int> ReleaseAsync(byte[] buffer, int start, int end, ArrayBufferWriter<byte> held, bool quoted,
        Stream output, CancellationToken cancellationToken)
    {
        held.Write(buffer.AsSpan(start, end - start));
        var bytes = held.WrittenMemory;
        var raw = quoted ? bytes.Span[..^1] : bytes.Span; // without the closing quote
        var value = Encoding.UTF8.GetString(raw);
        if (quoted) value = value.Replace("\"\"", "\"", StringComparison.Ordinal);
        if (FormulaGuard.IsFormulaRisk(value)) await output.WriteAsync("'"u8.ToArray(), cancellationToken);
        await output.WriteAsync(bytes, cancellationToken);
        held.Clear();
        return end;
    }
}
