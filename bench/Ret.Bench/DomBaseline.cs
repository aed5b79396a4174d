using System.Text;
using System.Xml.Linq;

namespace Ret.Bench;

/// <summary>
/// The "obvious" converter, for comparison: load the whole document with XDocument, take the root's
/// children as records, flatten every descendant element/attribute to a dotted path (repeats numbered),
/// collect all rows in memory, then write CSV. Roughly what the spec's Python design does.
/// </summary>
internal static class DomBaseline
{
    public static void Convert(string input, string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var document = XDocument.Load(input);
        var columns = new List<string>();
        var known = new HashSet<string>();
        var rows = new List<Dictionary<string, string>>();
        foreach (var record in document.Root!.Elements())
        {
            var row = new Dictionary<string, string>();
            Flatten(record, "", row);
            foreach (var key in row.Keys)
            {
                if (known.Add(key)) columns.Add(key);
            }
            rows.Add(row);
        }

        using var writer = new StreamWriter(Path.Combine(outputDir, "baseline.csv"), false, new UTF8Encoding(false));
        writer.Write(string.Join(",", columns.Select(Quote)));
        writer.Write("\r\n");
        foreach (var row in rows)
        {
            writer.Write(string.Join(",", columns.Select(c => Quote(row.GetValueOrDefault(c, "")))));
            writer.Write("\r\n");
        }
    }

    private static void Flatten(XElement element, string path, Dictionary<string, string> row)
    {
        foreach (var attribute in element.Attributes().Where(a => !a.IsNamespaceDeclaration))
            row[$"{path}@{attribute.Name.LocalName}"] = attribute.Value;
        var counts = new Dictionary<string, int>();
        foreach (var child in element.Elements())
        {
            var name = child.Name.LocalName;
            var n = counts[name] = counts.GetValueOrDefault(name) + 1;
            var childPath = (path.Length == 0 ? "" : path + ".") + name + (n > 1 ? $"[{n}]" : "");
            if (child.HasElements || child.HasAttributes) Flatten(child, childPath, row);
            if (!child.HasElements) row[childPath] = child.Value.Trim();
        }
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
