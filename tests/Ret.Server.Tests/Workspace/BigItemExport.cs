using System.Collections.Concurrent;
using System.Text;

namespace Ret.Server.Tests.Workspace;

/// <summary>
/// An export of one table, <c>BIG_ITEM</c> (<c>Id,Name</c>; record <i>i</i> is <c>i,item i</c>) in a nested ZIP, large
/// enough that converting it takes seconds on one thread. The tests that interrupt a running conversion (a database
/// outage, a locked database file, a job taken over) use it, then check that every record arrived exactly once.
/// </summary>
internal static class BigItemExport
{
    public const string Table = "BIG_ITEM";

    private static readonly ConcurrentDictionary<int, byte[]> Zips = new();

    /// <summary>The export's bytes (made once per size, then shared).</summary>
    public static byte[] Zip(int records) => Zips.GetOrAdd(records, static n =>
    {
        var xml = new StringBuilder("<Export>");
        for (var i = 0; i < n; i++) xml.Append("<Item><Id>").Append(i).Append("</Id><Name>item ").Append(i).Append("</Name></Item>");
        return WorkspaceApiTests.ZipOf(("BIG_ITEM.zip", WorkspaceApiTests.ZipOf(("BIG_ITEM_1.xml", xml.Append("</Export>").ToString()))));
    });

    /// <summary>The session's tables are one, <see cref="Table"/>, with all <paramref name="records"/> rows once, and its
    /// download ends with the last record (nothing lost, nothing written twice).</summary>
    public static async Task AssertConvertedOnceAsync(HttpClient http, string session, int records)
    {
        await WorkspaceApiTests.WaitForTablesReadyAsync(http, session);
        using (var tables = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}/tables"))
        {
            var table = Assert.Single(tables.RootElement.EnumerateArray());
            Assert.Equal(Table, table.GetProperty("name").GetString());
            Assert.Equal(records, table.GetProperty("rows").GetInt64());
        }

        var csv = await WorkspaceApiTests.DownloadByTicketAsync(http, session, new { kind = "table", table = Table, format = "csv" });
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(records + 1, lines.Length);
        Assert.Equal("Id,Name", lines[0].TrimEnd('\r'));
        Assert.Equal($"{records - 1},item {records - 1}", lines[^1].TrimEnd('\r'));
    }
}
