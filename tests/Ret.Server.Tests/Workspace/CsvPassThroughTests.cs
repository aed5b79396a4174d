using System.Text;
using Ret.Server.Features.Workspace.Tables;

namespace Ret.Server.Tests.Workspace;

/// <summary>The byte-level copy of an engine CSV must produce exactly what decoding it and writing it again with
/// <see cref="CsvExportWriter"/> produces, for every option and wherever the buffer boundaries fall.</summary>
public sealed class CsvPassThroughTests
{
    private static readonly string[] Nasty =
    [
        "", "plain", "=SUM(A1)", "+1.5", "-42", "-1.5E-3", "+", "-", "@user", "\tlead tab", "\rlead cr", "=", "\"=quoted\"",
        "a,b", "line\r\nbreak", "say \"hi\"", "=a,b", "=\"x\"", "-1,5", "Zürich ∑ 日本", "=日本", "@", "1e5", "-e5", "+\"",
        "\"", ",", "\r\n", "-0.5", "--1", "007", new string('x', 300), "=" + new string('y', 300) + ",\"",
    ];

    public static TheoryData<int, bool, bool> Cases()
    {
        var data = new TheoryData<int, bool, bool>();
        foreach (var buffer in new[] { 1, 2, 3, 7, 64, 1 << 20 })
        {
            foreach (var neutralise in new[] { true, false })
            {
                foreach (var bom in new[] { false, true })
                {
                    data.Add(buffer, neutralise, bom);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Copy_equals_decode_and_rewrite(int bufferSize, bool neutralise, bool bom)
    {
        var random = new Random(bufferSize * 4 + (neutralise ? 2 : 0) + (bom ? 1 : 0));
        var header = new[] { "=Code", "Name", "-Amount", "@Note" };
        var rows = Enumerable.Range(0, 200)
            .Select(_ => header.Select(_ => random.Next(3) == 0 ? Nasty[random.Next(Nasty.Length)] : Word(random)).ToArray())
            .ToList();
        var engineCsv = await WriteAsync(header, rows, new CsvExportOptions(NeutraliseFormulas: false)); // the engine's canonical form
        var options = new CsvExportOptions(neutralise, bom);

        var expected = await WriteAsync(header, rows, options);
        using var output = new MemoryStream();
        var records = await CsvPassThrough.CopyAsync(new MemoryStream(engineCsv), output, options, CancellationToken.None, bufferSize);

        Assert.Equal(rows.Count + 1, records); // the header and every row, line breaks inside values not counted
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(expected, output.ToArray());
    }

    [Fact]
    public async Task A_file_without_a_final_line_break_ending_in_a_formula_is_still_neutralised()
    {
        var input = "A,B\r\n1,=x"u8.ToArray();
        using var output = new MemoryStream();
        Assert.Equal(2, await CsvPassThrough.CopyAsync(new MemoryStream(input), output, CsvExportOptions.Default, CancellationToken.None, 3));
        Assert.Equal("A,B\r\n1,'=x", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Neutralised_cells_really_get_the_prefix()
    {
        var input = "H\r\n=1+1\r\n-42\r\n\"=a,b\"\r\n@x\r\n"u8.ToArray();
        using var output = new MemoryStream();
        await CsvPassThrough.CopyAsync(new MemoryStream(input), output, CsvExportOptions.Default, CancellationToken.None);
        Assert.Equal("H\r\n'=1+1\r\n-42\r\n\"'=a,b\"\r\n'@x\r\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void Only_comma_separated_exports_pass_through()
    {
        Assert.True(CsvPassThrough.Supports(new CsvExportOptions()));
        Assert.False(CsvPassThrough.Supports(new CsvExportOptions(Delimiter: ';')));
    }

    private static string Word(Random random) => new([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => (char)('a' + random.Next(26)))]);

    private static async Task<byte[]> WriteAsync(string[] header, List<string[]> rows, CsvExportOptions options)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new CsvExportWriter(buffer, options))
        {
            writer.WriteRecord(header);
            foreach (var row in rows)
            {
                writer.WriteRecord(row);
                await writer.FlushIfFullAsync(CancellationToken.None);
            }

            await writer.FlushAsync(CancellationToken.None);
        }

        return buffer.ToArray();
    }
}
