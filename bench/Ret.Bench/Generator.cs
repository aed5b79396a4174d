using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Ret.Bench;

/// <summary>
/// Deterministic benchmark inputs (fixed seeds, no clock): the same bytes on every machine.
/// Files already present with the expected size are kept, so re-running the harness is cheap.
/// </summary>
internal static class Generator
{
    private static readonly string[] _words =
    [
        "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor",
        "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "minim", "veniam", "quis", "nostrud",
    ];

    /// <summary>Small inputs of the same shapes (2 MB flat, 3 MB nested), for smoke tests such as the native CLI check.</summary>
    public static void Small(string dir)
    {
        Directory.CreateDirectory(dir);
        Write(Path.Combine(dir, "flat.xml"), 2_000_000, Flat);
        Write(Path.Combine(dir, "nested.xml"), 3_000_000, Nested);
    }

    public static void All(string dir, bool skipBig)
    {
        Directory.CreateDirectory(dir);
        Write(Path.Combine(dir, "flat.xml"), 60_000_000, Flat);
        Write(Path.Combine(dir, "nested.xml"), 100_000_000, Nested);
        ManyZip(Path.Combine(dir, "many.zip"));
        if (!skipBig) Write(Path.Combine(dir, "big.xml"), 1_000_000_000, Nested);
    }

    private static void Write(string path, long targetBytes, Action<TextWriter, Random, long> body)
    {
        if (File.Exists(path) && new FileInfo(path).Length >= targetBytes)
        {
            Console.WriteLine($"kept {path}");
            return;
        }
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20))
        {
            body(writer, new Random(42), targetBytes);
        }
        Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1e6:N1} MB)");
    }

    /// <summary><c>library/book</c> with five short fields, like the peer examples.</summary>
    private static void Flat(TextWriter w, Random random, long target)
    {
        w.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<library>\n");
        var written = 50L;
        for (var i = 0; written < target; i++)
        {
            var title = Sentence(random, 3, 6);
            var author = Sentence(random, 2, 3);
            var line = $"<book>\n\t<title>{title}</title>\n\t<author>{author}</author>\n\t<genre>{_words[random.Next(_words.Length)]}</genre>\n\t<year>{1950 + random.Next(75)}</year>\n\t<publisher>https://example.com/p/{i % 997}</publisher>\n</book>\n";
            w.Write(line);
            written += line.Length;
        }
        w.Write("</library>\n");
    }

    /// <summary>Namespaced orders with attributes, a nested customer and 1–4 repeated lines.</summary>
    private static void Nested(TextWriter w, Random random, long target)
    {
        w.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ns:Export xmlns:ns=\"urn:ret:bench\" xmlns:x=\"urn:ret:ext\" version=\"2\">\n");
        w.Write("<ns:Header><ns:System>ERP</ns:System><ns:Created>2024-01-01T12:00:00</ns:Created></ns:Header>\n");
        var written = 250L;
        var sb = new StringBuilder(2048);
        for (var i = 1; written < target; i++)
        {
            sb.Clear();
            sb.Append(CultureInfo.InvariantCulture, $"<ns:Order id=\"{i}\" status=\"{(i % 3 == 0 ? "closed" : "open")}\">\n");
            sb.Append(CultureInfo.InvariantCulture, $"  <ns:Customer type=\"{(i % 2 == 0 ? "B2B" : "B2C")}\"><ns:Name>{Sentence(random, 2, 3)}</ns:Name><ns:Address><ns:Street>{random.Next(1, 300)} {Sentence(random, 1, 2)} Street</ns:Street><ns:City>{_words[random.Next(_words.Length)]}</ns:City><ns:Zip>0{random.Next(1000, 9999)}</ns:Zip></ns:Address></ns:Customer>\n");
            var lines = 1 + random.Next(4);
            for (var l = 1; l <= lines; l++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  <ns:Line no=\"{l}\"><ns:Sku>SKU-{random.Next(100000):D6}</ns:Sku><ns:Qty>{random.Next(1, 20)}</ns:Qty><ns:Price currency=\"EUR\">{random.Next(1, 999)}.{random.Next(100):D2}</ns:Price><x:Note>{Sentence(random, 2, 5)}</x:Note></ns:Line>\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"  <ns:Total>{random.Next(10, 99999)}.{random.Next(100):D2}</ns:Total>\n</ns:Order>\n");
            w.Write(sb);
            written += sb.Length;
        }
        w.Write("</ns:Export>\n");
    }

    /// <summary>
    /// An export ZIP of 4 module ZIPs × 5 batch ZIPs × 26 files = 520 XML files of ~400 KB (≈ 210 MB inflated),
    /// named like real ERP exports (<c>Export_20240101_120000.zip/AR_CUSTOMER.zip/1_BATCH.zip/...</c>).
    /// </summary>
    private static void ManyZip(string path)
    {
        if (File.Exists(path))
        {
            Console.WriteLine($"kept {path}");
            return;
        }
        string[] modules = ["AR_CUSTOMER", "AR_PAYMENT_TERM", "GL_JOURNAL", "AP_SUPPLIER"];
        var random = new Random(7);
        long inflated = 0;
        using (var outer = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            foreach (var module in modules)
            {
                var moduleBytes = new MemoryStream();
                using (var moduleZip = new ZipArchive(moduleBytes, ZipArchiveMode.Create, leaveOpen: true))
                {
                    for (var batch = 1; batch <= 5; batch++)
                    {
                        var batchBytes = new MemoryStream();
                        using (var batchZip = new ZipArchive(batchBytes, ZipArchiveMode.Create, leaveOpen: true))
                        {
                            for (var f = 1; f <= 26; f++)
                            {
                                var entry = batchZip.CreateEntry($"{module}_{batch:D2}_{f:D4}.xml", CompressionLevel.Fastest);
                                entry.LastWriteTime = new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);
                                using var stream = entry.Open();
                                using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                                var counting = new StringWriter();
                                Nested(counting, random, 400_000);
                                var text = counting.ToString();
                                inflated += Encoding.UTF8.GetByteCount(text);
                                writer.Write(text);
                            }
                        }
                        Add(moduleZip, $"{batch}_BATCH.zip", batchBytes.ToArray());
                    }
                }
                Add(outer, $"{module}.zip", moduleBytes.ToArray());
            }
        }
        Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1e6:N1} MB, 520 files, {inflated / 1e6:N1} MB inflated)");
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);
        using var stream = entry.Open();
        stream.Write(content);
    }

    private static string Sentence(Random random, int min, int max)
    {
        var count = random.Next(min, max + 1);
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(' ');
            var word = _words[random.Next(_words.Length)];
            sb.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
        }
        return sb.ToString();
    }
}
