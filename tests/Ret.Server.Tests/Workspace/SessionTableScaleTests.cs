using System.Diagnostics;
using System.Globalization;
using Ret.Server.Features.Workspace.Tables;
using Xunit.Abstractions;

namespace Ret.Server.Tests.Workspace;

/// <summary>
/// Paging at scale: a generated N-row × 20-column table (N = <c>RET_TABLES_BENCH_ROWS</c>, default 200,000; the figures
/// in docs/decisions/0401 come from 1,000,000). Asserts correctness only; the timings are printed, not judged:
/// <c>RET_TABLES_BENCH_ROWS=1000000 dotnet test tests/Ret.Server.Tests --filter SessionTableScaleTests --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class SessionTableScaleTests(ITestOutputHelper output) : TableStoreTestBase
{
    private const int Columns = 20;
    private const int Repeats = 25;

    private static int RowCount =>
        int.TryParse(Environment.GetEnvironmentVariable("RET_TABLES_BENCH_ROWS"), CultureInfo.InvariantCulture, out var rows) && rows >= 1_000 ? rows : 200_000;

    private static string Value(int row, int column) =>
        column == 0 ? "r" + row.ToString(CultureInfo.InvariantCulture)
        : $"v{(uint)HashCode.Combine(row, column) % 100_000}{(((row * 31) + column) % 7 == 0 ? "ABC" : "xy")}";

    [Fact]
    public async Task Pages_of_a_large_table_are_correct_anywhere_and_their_timings_are_reported()
    {
        var rows = RowCount;
        var header = Enumerable.Range(0, Columns).Select(c => $"col{c}").ToArray();
        var clock = Stopwatch.StartNew();
        var path = WriteCsv("big.csv", header, Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, Columns).Select(c => Value(r, c)).ToArray()));
        output.WriteLine($"rows={rows} columns={Columns} csv={new FileInfo(path).Length / 1048576.0:0.0} MB written in {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        var imported = await Store.ImportCsvAsync("big", "g", path);
        Assert.True(imported.Succeeded, string.Join("; ", imported.Problems));
        output.WriteLine($"import: {clock.ElapsedMilliseconds} ms ({rows / clock.Elapsed.TotalSeconds:0} rows/s), duckdb file {new FileInfo(Store.DatabasePath).Length / 1048576.0:0.0} MB");

        // Original order: first, middle, last page.
        var middle = rows / 2;
        var last = rows - 100;
        var first = await Measure("page 1", new PageQuery(0, 100));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), first.RowIds);
        Assert.Equal(rows, first.Total);
        var mid = await Measure("middle page", new PageQuery(middle, 100));
        Assert.Equal(middle, mid.RowIds[0]);
        Assert.Equal(Enumerable.Range(0, Columns).Select(c => Value(middle, c)), mid.Rows[0]);
        var end = await Measure("last page", new PageQuery(last, 100));
        Assert.Equal(rows - 1, end.RowIds[^1]);
        Assert.Equal("r" + (rows - 1), end.Rows[^1][0]);
        var limit1000 = await Measure("last page, limit 1000", new PageQuery(rows - 1000, 1000));
        Assert.Equal(1000, limit1000.Rows.Count);

        // Sorted by a text column: every page in order, ties by row id.
        var sorted = await Measure("sorted (col5 desc), middle page", new PageQuery(middle, 100, "col5", Descending: true));
        for (var i = 1; i < sorted.Rows.Count; i++)
        {
            var order = string.CompareOrdinal(sorted.Rows[i - 1][5], sorted.Rows[i][5]);
            Assert.True(order > 0 || (order == 0 && sorted.RowIds[i - 1] < sorted.RowIds[i]));
        }

        // Scrolling on through the sorted view: each new window of rows is fetched once.
        var scroll = new List<double>();
        for (var i = 1; i <= 20; i++)
        {
            clock.Restart();
            var next = (await Store.GetPageAsync("big", new PageQuery(middle + (i * 100), 100, "col5", Descending: true))).Value!;
            scroll.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(100, next.Rows.Count);
            Assert.True(string.CompareOrdinal(sorted.Rows[^1][5], next.Rows[0][5]) >= 0);
        }
        Report("sorted, scrolling 20 further pages (first visit of each)", scroll);

        // Filtered: total equals the generator's count, every row matches.
        var expected = Enumerable.Range(0, rows).Count(r => Value(r, 3).Contains("abc", StringComparison.OrdinalIgnoreCase));
        var filterQuery = new PageQuery(expected / 2, 100, Filters: [new ColumnFilter("col3", "abc")]);
        var filtered = await Measure("filtered (col3 contains 'abc'), middle page", filterQuery);
        Assert.Equal(expected, filtered.Total);
        Assert.All(filtered.Rows, r => Assert.Contains("ABC", r[3]));

        var both = await Measure("filtered + sorted, page 2", new PageQuery(100, 100, "col7", false, [new ColumnFilter("col3", "abc")]));
        Assert.Equal(expected, both.Total);

        // Random pages of the original order, as a scrolling grid asks for them.
        var random = new Random(7);
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var offset = random.Next(0, rows - 100);
            clock.Restart();
            var page = (await Store.GetPageAsync("big", new PageQuery(offset, 100))).Value!;
            times.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(offset, page.RowIds[0]);
        }
        Report("random pages (warm)", times);

        // An edit invalidates the cached order; the next page pays for it once.
        clock.Restart();
        var edit = await Store.ApplyAsync(new EditBatch("big", [new SetCellOp(middle, "col1", "edited"), new DeleteRowOp(middle + 1)]), "bench");
        Assert.True(edit.Succeeded);
        output.WriteLine($"edit batch (set + delete): {clock.ElapsedMilliseconds} ms");
        var afterEdit = await Measure("middle page after the edit", new PageQuery(middle, 100));
        Assert.Equal("edited", afterEdit.Rows[0][1]);
        Assert.Equal(middle + 2, afterEdit.RowIds[1]);
        Assert.Equal(rows - 1, afterEdit.Total);

        clock.Restart();
        var csv = await Store.WriteCsvAsync("big", TableVersion.Modified, Stream.Null);
        output.WriteLine($"export modified CSV: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(rows - 1, csv.Value);
        clock.Restart();
        var original = await Store.WriteCsvAsync("big", TableVersion.Original, Stream.Null);
        output.WriteLine($"export original CSV: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(rows, original.Value);
        output.WriteLine($"process peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MB");
    }

    private async Task<RowsPage> Measure(string label, PageQuery query)
    {
        var clock = Stopwatch.StartNew();
        var firstResult = await Store.GetPageAsync("big", query);
        var cold = clock.Elapsed.TotalMilliseconds;
        Assert.True(firstResult.Succeeded, string.Join("; ", firstResult.Problems));
        var times = new List<double>(Repeats);
        for (var i = 0; i < Repeats; i++)
        {
            clock.Restart();
            var again = await Store.GetPageAsync("big", query);
            times.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(firstResult.Value!.RowIds, again.Value!.RowIds);
        }
        Report($"{label} (first request {cold:0.0} ms)", times);
        return firstResult.Value!;
    }

    private void Report(string label, List<double> times)
    {
        times.Sort();
        output.WriteLine($"{label}: p50 {Percentile(times, 0.50):0.0} ms, p95 {Percentile(times, 0.95):0.0} ms, max {times[^1]:0.0} ms (n={times.Count})");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
