using System.Diagnostics;
using System.Globalization;
using System.Xml;
using Ret.Conversion.Safety;
using Ret.Conversion.Xml;

namespace Ret.Bench;

/// <summary>
/// The parsing ceiling: passes over a file that read every element name, attribute value and text value and write
/// nothing, with <see cref="XmlReader"/> (the engine's settings) or the engine's fast UTF-8 reader.
/// </summary>
internal static class ReaderBaseline
{
    public static void Run(string path, int runs, bool fast)
    {
        var mb = new FileInfo(path).Length / 1e6;
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            (long Elements, long Chars) counts;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            {
                if (fast)
                {
                    using var reader = new Utf8XmlReader(stream, new NameTable(), 0);
                    counts = Pass(new FastTokens(reader));
                }
                else
                {
                    using var reader = SafeXml.Create(stream, new SafetyLimits());
                    counts = Pass(new ReaderTokens(reader));
                }
            }

            var wall = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pass {i + 1}: {wall:F3} s, {mb / wall:F0} MB/s ({counts.Elements} elements, {counts.Chars} chars)"));
        }
    }

    private static (long Elements, long Chars) Pass<T>(T reader)
        where T : struct, IXmlTokens
    {
        long chars = 0, elements = 0;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                elements++;
                chars += reader.LocalName.Length;
                while (reader.MoveToNextAttribute()) chars += reader.Value.Length;
                reader.MoveToElement();
            }
            else if (reader.NodeType == XmlNodeType.Text)
            {
                chars += reader.Value.Length;
            }
        }
        return (elements, chars);
    }
}
