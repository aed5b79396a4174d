using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// A row-offset index of one of the engine's CSV files: where each data record starts, so any rows can be read by
/// number straight from the file (two positioned reads each) instead of through DuckDB, which fetches scattered rows
/// by scanning (a 250-row window of a sorted view cost 40–55 ms on a 305 000 × 35 table and 440 ms on 1.2 M rows;
/// docs/decisions/0505). Record boundaries are found exactly as <see cref="CsvRecordReader"/> finds them (quotes,
/// doubled quotes, line breaks inside quotes, CRLF / LF / CR endings), and records are parsed by that reader, so a row
/// read here has the values the store loaded.
/// <para>File format: the 8-byte magic <c>RETROWS1</c>, then rows + 1 little-endian 64-bit offsets; row k is the bytes
/// [offset k, offset k + 1), the last offset is the CSV's length. The index is only used while the CSV still has that
/// length and the store loaded as many rows.</para>
/// </summary>
internal static class CsvRowIndex
{
    private static ReadOnlySpan<byte> Magic => "RETROWS1"u8;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted, // a quote inside a quoted field: doubled (escape) or the end of the field
        AfterQuote,
        AfterCr,
    }

    /// <summary>Writes the index of <paramref name="csvPath"/> to <paramref name="indexPath"/> (atomically) and returns
    /// the number of data records (the header excluded), or null — and no file — when the CSV is not one the reader
    /// would accept (text after a closing quote, an unclosed quote) or the delimiter is not ASCII.</summary>
    public static long? Build(string csvPath, char delimiter, string indexPath, int bufferSize = 1 << 20,
        CancellationToken cancellationToken = default)
    {
        if (delimiter > 127 || delimiter is '"' or '\r' or '\n') return null;
        var temp = indexPath + ".tmp-" + Guid.NewGuid().ToString("N");
        var keep = false;
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            long records;
            using (var input = new FileStream(csvPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                output.Write(Magic);
                var offset = new byte[8];
                var d = (byte)delimiter;
                var state = State.FieldStart;
                long recordStart = 0; // of the record being read
                long position = 0;    // of buffer[0]
                long starts = 0;      // records started (the header is the first)
                Span<byte> head = stackalloc byte[3];
                if (input.ReadAtLeast(head, 3, throwOnEndOfStream: false) == 3 && head.SequenceEqual(Bom))
                {
                    position = recordStart = 3; // the BOM is not part of the header's first name
                }
                else
                {
                    input.Position = 0;
                }
                int length;
                while ((length = input.Read(buffer, 0, bufferSize)) > 0)
                {
                    var i = 0;
                    while (i < length)
                    {
                        switch (state)
                        {
                            case State.FieldStart:
                            {
                                var b = buffer[i++];
                                if (b == (byte)'"') state = State.Quoted;
                                else if (b == d) state = State.FieldStart;
                                else if (b == (byte)'\r') state = EndRecord(State.AfterCr);
                                else if (b == (byte)'\n') state = EndRecord(State.FieldStart);
                                else state = State.Unquoted;
                                break;
                            }
                            case State.Unquoted:
                            {
                                var end = buffer.AsSpan(i, length - i).IndexOfAny(d, (byte)'\r', (byte)'\n');
                                if (end < 0)
                                {
                                    i = length;
                                    break;
                                }
                                i += end;
                                var b = buffer[i++];
                                state = b == d ? State.FieldStart : EndRecord(b == (byte)'\r' ? State.AfterCr : State.FieldStart);
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
                                    i++;
                                    state = State.Quoted;
                                }
                                else state = State.AfterQuote;
                                break;
                            case State.AfterQuote:
                            {
                                var b = buffer[i++];
                                if (b == d) state = State.FieldStart;
                                else if (b == (byte)'\r') state = EndRecord(State.AfterCr);
                                else if (b == (byte)'\n') state = EndRecord(State.FieldStart);
                                else return null; // text after a closing quote: the reader refuses it
                                break;
                            }
                            case State.AfterCr:
                                if (buffer[i] == (byte)'\n') i++;
                                state = State.FieldStart;
                                recordStart = position + i;
                                break;
                        }

                        // Ends the current record at the byte just read; the next starts after it (for a CR, after an LF
                        // that may follow: AfterCr moves the start).
                        State EndRecord(State next)
                        {
                            StartRecord(recordStart);
                            recordStart = position + i;
                            return next;
                        }
                    }
                    position += length;
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (state is State.Quoted) return null; // an unclosed quote
                if (state is not State.AfterCr && position > recordStart) StartRecord(recordStart); // a last record without a line break
                if (starts == 0) return null; // no header
                BinaryPrimitives.WriteInt64LittleEndian(offset, position);
                output.Write(offset);
                records = starts - 1;
                output.Flush();

                void StartRecord(long start)
                {
                    // The header's start is not written: data row k is record k + 1.
                    if (starts++ > 0)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(offset, start);
                        output.Write(offset);
                    }
                }
            }
            File.Move(temp, indexPath, overwrite: true);
            keep = true;
            return records;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!keep) File.Delete(temp);
        }
    }

    /// <summary>The number of data rows an index file covers, or null when there is no such file.</summary>
    public static long? Rows(string indexPath)
    {
        try
        {
            var length = new FileInfo(indexPath).Length;
            return length >= Magic.Length + 8 && (length - Magic.Length) % 8 == 0 ? ((length - Magic.Length) / 8) - 1 : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the rows <paramref name="ids"/> (data record numbers, 0-based) of <paramref name="csvPath"/>
    /// through its index; returns them by id, or null when the index or the CSV is missing, does not match (another
    /// length, another row count), or a record does not have <paramref name="width"/> fields — the caller then reads
    /// the rows from the store.</summary>
    public static Dictionary<long, string[]>? TryRead(string indexPath, string csvPath, long expectedRows, char delimiter, int width,
        IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0) return [];
        SafeFileHandle index, csv;
        try
        {
            index = File.OpenHandle(indexPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        using (index)
        {
            try
            {
                csv = File.OpenHandle(csvPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            using (csv)
            {
                return Read(index, csv, expectedRows, delimiter, width, ids);
            }
        }
    }

    private static Dictionary<long, string[]>? Read(SafeFileHandle index, SafeFileHandle csv, long expectedRows, char delimiter, int width,
        IReadOnlyCollection<long> ids)
    {
        var indexLength = RandomAccess.GetLength(index);
        if (indexLength != Magic.Length + ((expectedRows + 1) * 8)) return null;
        Span<byte> head = stackalloc byte[8];
        if (RandomAccess.Read(index, head, 0) != 8 || !head.SequenceEqual(Magic)) return null;
        if (RandomAccess.Read(index, head, indexLength - 8) != 8 || BinaryPrimitives.ReadInt64LittleEndian(head) != RandomAccess.GetLength(csv))
            return null;

        // The records, each ending in a line break, after a BOM: the reader drops that BOM, so a value that starts with
        // U+FEFF in the first record stays a value.
        using var records = new MemoryStream();
        records.Write(Bom);
        Span<byte> pair = stackalloc byte[16];
        var data = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            foreach (var id in ids)
            {
                if (id < 0 || id >= expectedRows) return null;
                if (RandomAccess.Read(index, pair, Magic.Length + (id * 8)) != 16) return null;
                var start = BinaryPrimitives.ReadInt64LittleEndian(pair);
                var end = BinaryPrimitives.ReadInt64LittleEndian(pair[8..]);
                if (end <= start || end - start > int.MaxValue) return null;
                var size = (int)(end - start);
                if (size > data.Length)
                {
                    ArrayPool<byte>.Shared.Return(data);
                    data = ArrayPool<byte>.Shared.Rent(size);
                }
                if (RandomAccess.Read(csv, data.AsSpan(0, size), start) != size) return null;
                records.Write(data, 0, size);
                if (data[size - 1] is not ((byte)'\n' or (byte)'\r')) records.Write("\r\n"u8); // the file's last record
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }

        records.Position = 0;
        var rows = new Dictionary<long, string[]>(ids.Count);
        using var reader = new CsvRecordReader(records, delimiter);
        try
        {
            foreach (var id in ids)
            {
                if (reader.Read() is not { } record || record.Length != width) return null;
                rows[id] = record;
            }
            return reader.Read() is null ? rows : null;
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.DecoderFallbackException)
        {
            return null;
        }
    }
}
