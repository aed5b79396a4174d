using System.Text;
using Ret.Server.Features.Workspace.Tables;

namespace Ret.Server.Tests.Workspace;

/// <summary>Rows read through the row-offset index must be exactly the records <see cref="CsvRecordReader"/> reads from
/// the whole file, whatever the quoting, line endings, delimiter and read-buffer boundaries; anything that does not
/// match must be refused (null), never served.</summary>
public sealed class CsvRowIndexTests : IDisposable
{
    private static readonly string[] Values =
    [
        "", "plain", "a,b", "a;b", "a\tb", "say \"hi\"", "\"", "\"\"", "line\r\nbreak", "only\nlf", "only\rcr", "\r\n", "trail\r",
        "Zürich ∑ 日本 𝄞", "\uFEFFstarts with a BOM", " lead and trail ", "=SUM(A1)", "007", new string('x', 3000), "mid\"quote",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("ret-rowindex-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<char, int, int> Cases()
    {
        var data = new TheoryData<char, int, int>();
        var seed = 1;
        foreach (var delimiter in new[] { ',', ';', '\t' })
            foreach (var buffer in new[] { 1, 2, 3, 7, 64, 1 << 20 })
                data.Add(delimiter, buffer, seed++);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_row_read_through_the_index_equals_the_reader_s_record(char delimiter, int bufferSize, int seed)
    {
        var random = new Random(seed);
        var csv = Path.Combine(_dir, "t.csv");
        var width = 4;
        File.WriteAllBytes(csv, RandomCsv(random, delimiter, width, rows: 400));
        var expected = ReadAll(csv, delimiter);

        var index = Path.Combine(_dir, "t.rows");
        var rows = CsvRowIndex.Build(csv, delimiter, index, bufferSize);

        Assert.Equal(expected.Count - 1, rows);
        Assert.Equal(rows, CsvRowIndex.Rows(index));
        var ids = Enumerable.Range(0, expected.Count - 1).Select(i => (long)i).OrderBy(_ => random.Next()).ToList();
        var read = CsvRowIndex.TryRead(index, csv, rows!.Value, delimiter, width, ids);
        Assert.NotNull(read);
        foreach (var id in ids) Assert.Equal(expected[(int)id + 1], read[id]);
    }

    [Theory]
    [InlineData("a,b\r\n\"x\"y,1\r\n")]   // text after a closing quote
    [InlineData("a,b\r\n1,\"open\r\n")]  // a quote never closed
    [InlineData("")]                      // not even a header
    public void A_csv_the_reader_refuses_gets_no_index(string content)
    {
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, content);
        var index = Path.Combine(_dir, "bad.rows");

        Assert.Null(CsvRowIndex.Build(csv, ',', index));
        Assert.Empty(Directory.EnumerateFiles(_dir, "bad.rows*"));
    }

    [Fact]
    public void A_last_record_without_a_line_break_and_a_bom_are_handled()
    {
        var csv = Path.Combine(_dir, "t.csv");
        File.WriteAllBytes(csv, [.. Encoding.UTF8.Preamble, .. "\"h,1\",h2\r\n1,2\r\n\"3\r\n\",4"u8]);
        var index = Path.Combine(_dir, "t.rows");

        Assert.Equal(2, CsvRowIndex.Build(csv, ',', index));
        var rows = CsvRowIndex.TryRead(index, csv, 2, ',', 2, [1, 0])!;
        Assert.Equal(["1", "2"], rows[0]);
        Assert.Equal(["3\r\n", "4"], rows[1]);
    }

    [Fact]
    public void A_changed_csv_a_wrong_width_or_count_and_missing_files_are_refused()
    {
        var csv = Path.Combine(_dir, "t.csv");
        File.WriteAllText(csv, "a,b\r\n1,2\r\n3,4\r\n");
        var index = Path.Combine(_dir, "t.rows");
        Assert.Equal(2, CsvRowIndex.Build(csv, ',', index));
        Assert.NotNull(CsvRowIndex.TryRead(index, csv, 2, ',', 2, [0, 1]));

        Assert.Null(CsvRowIndex.TryRead(index, csv, 2, ',', 3, [0]));                 // another width
        Assert.Null(CsvRowIndex.TryRead(index, csv, 3, ',', 2, [0]));                 // another row count
        Assert.Null(CsvRowIndex.TryRead(index, csv, 2, ',', 2, [2]));                 // past the end
        Assert.Null(CsvRowIndex.TryRead(Path.Combine(_dir, "none.rows"), csv, 2, ',', 2, [0]));
        Assert.Null(CsvRowIndex.TryRead(index, Path.Combine(_dir, "none.csv"), 2, ',', 2, [0]));
        Assert.Null(CsvRowIndex.Rows(Path.Combine(_dir, "none.rows")));
        File.AppendAllText(csv, "5,6\r\n");
        Assert.Null(CsvRowIndex.TryRead(index, csv, 2, ',', 2, [0]));                 // the CSV changed
    }

    private static List<string[]> ReadAll(string csv, char delimiter)
    {
        using var reader = CsvRecordReader.Open(csv, delimiter);
        var records = new List<string[]>();
        while (reader.Read() is { } record) records.Add(record);
        return records;
    }

    /// <summary>Records as the engine writes them (quoted only when needed), with some quoted anyway, some unquoted
    /// values holding a quote mid-field (a literal to the reader), mixed CRLF / LF / CR endings, an optional BOM and an
    /// optional final line break.</summary>
    private static byte[] RandomCsv(Random random, char delimiter, int width, int rows)
    {
        var text = new StringBuilder();
        if (random.Next(2) == 0) text.Append('\uFEFF');
        for (var r = 0; r <= rows; r++)
        {
            for (var c = 0; c < width; c++)
            {
                if (c > 0) text.Append(delimiter);
                var value = r == 0 ? $"h{c}" : Values[random.Next(Values.Length)];
                var needs = value.IndexOfAny([delimiter, '"', '\r', '\n']) >= 0;
                if (value == "mid\"quote" || value.Length == 0) needs = false;
                if (needs || random.Next(6) == 0) text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                else text.Append(value);
            }
            if (r < rows || random.Next(2) == 0) text.Append(random.Next(3) switch { 0 => "\r\n", 1 => "\n", _ => "\r" });
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
