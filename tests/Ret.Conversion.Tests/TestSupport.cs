using System.IO.Compression;
using System.Text;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary>A private temp folder per test, removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ret-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative, string content, Encoding? encoding = null)
    {
        var full = Combine(relative);
        System.IO.File.WriteAllText(full, content, encoding ?? new UTF8Encoding(false));
        return full;
    }

    public string Bytes(string relative, byte[] content)
    {
        var full = Combine(relative);
        System.IO.File.WriteAllBytes(full, content);
        return full;
    }

    public string Combine(string relative)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Builds ZIP files (nested ones too) in memory.</summary>
public static class Zip
{
    public static byte[] Build(params (string Name, byte[] Content)[] entries) => Build(CompressionLevel.Optimal, entries);

    public static byte[] Build(CompressionLevel level, params (string Name, byte[] Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name, level);
                using var stream = entry.Open();
                stream.Write(content);
            }
        }
        return memory.ToArray();
    }

    public static (string, byte[]) Text(string name, string content) => (name, Encoding.UTF8.GetBytes(content));
}

/// <summary>Runs the engine and reads its CSV output back.</summary>
public static class Run
{
    public static async Task<(ConversionManifest Manifest, string OutputDir)> Convert(string input, TempDir temp, ConvertOptions? options = null, string output = "out")
    {
        var outDir = temp.Combine(output);
        var manifest = await Converter.ConvertAsync(input, null, (options ?? new ConvertOptions()) with { TempDirectory = temp.Combine("tmp") }, outDir);
        return (manifest, outDir);
    }

    /// <summary>Converts one XML document and returns the rows of its only (or named) table as header → value maps.</summary>
    public static async Task<List<Dictionary<string, string>>> Rows(string xml, ConvertOptions? options = null, string? table = null)
    {
        using var temp = new TempDir();
        var input = temp.File("in/doc.xml", xml);
        var (manifest, outDir) = await Convert(input, temp, options);
        var name = table ?? manifest.Tables.Single(t => t.Kind == "records").File;
        return Csv.ReadRecords(System.IO.Path.Combine(outDir, name.EndsWith(".csv", StringComparison.Ordinal) ? name : name + ".csv"));
    }
}

/// <summary>A small, strict RFC 4180 reader for assertions (independent of the engine's writer).</summary>
public static class Csv
{
    public static List<string[]> Parse(string text, char delimiter = ',')
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                if (c == '"') { quoted = false; i++; continue; }
                field.Append(c);
                i++;
                continue;
            }
            if (c == '"' && field.Length == 0) { quoted = true; i++; continue; }
            if (c == delimiter) { row.Add(field.ToString()); field.Clear(); i++; continue; }
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i += 2;
                continue;
            }
            field.Append(c);
            i++;
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
        return rows;
    }

    public static List<Dictionary<string, string>> ReadRecords(string path, char delimiter = ',')
    {
        var rows = Parse(System.IO.File.ReadAllText(path, Encoding.UTF8), delimiter);
        var header = rows[0];
        return rows.Skip(1).Select(r =>
        {
            Assert.Equal(header.Length, r.Length);
            return header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }).ToList();
    }

    public static string[] Header(string path) => Parse(System.IO.File.ReadAllText(path, Encoding.UTF8))[0];
}
