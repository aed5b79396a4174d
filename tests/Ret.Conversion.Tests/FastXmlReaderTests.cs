using System.Text;
using System.Xml;
using Ret.Conversion.Conversion;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;
using Ret.Conversion.Xml;

namespace Ret.Conversion.Tests;

/// <summary>
/// The fast UTF-8 reader's contract (docs/decisions/0109): whatever it reads, <see cref="XmlReader"/> with the
/// engine's settings reads too, with exactly the same nodes; everything else makes it fall back. Checked on
/// hand-picked cases, on generated documents (namespaces, references, CDATA, comments, CRLF, non-ASCII text,
/// read whole or in tiny chunks) and on thousands of corrupted variants of them.
/// </summary>
public class FastXmlReaderTests
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The nodes the row extractor looks at, as comparable strings.</summary>
    private static List<string> Capture<T>(T reader)
        where T : struct, IXmlTokens
    {
        var events = new List<string>();
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    events.Add($"<{reader.Depth}|{reader.Prefix}|{reader.LocalName}|{reader.NamespaceURI}|{reader.IsEmptyElement}|{reader.HasAttributes}");
                    while (reader.MoveToNextAttribute()) events.Add($"@{reader.Prefix}|{reader.LocalName}|{reader.NamespaceURI}|{reader.Value}");
                    reader.MoveToElement();
                    events.Add($"={reader.LocalName}|{reader.NamespaceURI}|{reader.Prefix}");
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                {
                    // As the extractor reads values: UTF-8 bytes, which must decode strictly.
                    var buffer = new byte[4];
                    var length = 0;
                    reader.AppendValueUtf8(ref buffer, ref length);
                    string value;
                    try
                    {
                        value = StrictUtf8.GetString(buffer, 0, length);
                    }
                    catch (DecoderFallbackException)
                    {
                        value = "<invalid UTF-8 passed on>";
                    }
                    events.Add($"{reader.NodeType}|{reader.Depth}|{value}");
                    break;
                }
                case XmlNodeType.EndElement:
                    events.Add($"</{reader.Depth}|{reader.Prefix}|{reader.LocalName}|{reader.NamespaceURI}");
                    break;
            }
        }
        return events;
    }

    private static List<string> WithXmlReader(byte[] document)
    {
        using var reader = SafeXml.Create(new MemoryStream(document), SafetyLimits.Default);
        return Capture(new ReaderTokens(reader));
    }

    /// <summary>The fast reader's nodes, or null when it fell back.</summary>
    private static List<string>? WithFastReader(byte[] document, int chunk = 0)
    {
        Stream stream = chunk > 0 ? new TrickleStream(document, chunk) : new MemoryStream(document, 0, document.Length, false, true);
        using var reader = new Utf8XmlReader(stream, new NameTable(), SafetyLimits.Default.MaxXmlCharacters);
        try
        {
            return Capture(new FastTokens(reader));
        }
        catch (XmlFallbackException)
        {
            return null;
        }
    }

    /// <summary>The contract for one document; returns whether the fast reader read it.</summary>
    private static bool AssertContract(byte[] document, int chunk = 0)
    {
        var fast = WithFastReader(document, chunk);
        if (fast is null) return false;
        List<string> expected;
        try
        {
            expected = WithXmlReader(document);
        }
        catch (XmlException ex)
        {
            Assert.Fail($"The fast reader accepted a document XmlReader rejects ({ex.Message}):\n{Show(document)}");
            throw;
        }
        if (!expected.SequenceEqual(fast))
        {
            var at = expected.Zip(fast).TakeWhile(p => p.First == p.Second).Count();
            Assert.Fail($"Nodes differ at #{at}: XmlReader '{expected.ElementAtOrDefault(at)}', fast '{fast.ElementAtOrDefault(at)}' in\n{Show(document)}");
        }
        return true;
    }

    private static string Show(byte[] document) => Encoding.UTF8.GetString(document).Replace("\r", "\\r", StringComparison.Ordinal);

    [Theory]
    [InlineData("<a>x</a>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x</a>")]
    [InlineData("<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>")]
    [InlineData("<!-- head --><?pi data?>\n<a b=\"1\" c='2'>  x  <![CDATA[ y ]]> </a>\n<!-- tail -->\n")]
    [InlineData("<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\"><b p:x=\"1\" x=\"2\"><c xmlns=\"\"/></b></p:a>")]
    [InlineData("<a t=\"x&#9;y&#10;z\tw\r\nv\">l1\r\nl2\rl3 &lt;&gt;&amp;&quot;&apos; &#x1F600; &#233;</a>")]
    [InlineData("<a>é 日本 😀 \u00A0</a>")]
    [InlineData("<a xml:lang=\"en\">]x]]y</a>")]
    [InlineData("<a><b>1</b>  <b>2</b>\n</a>")]
    [InlineData("<café><Straße n·1=\"x\">1</Straße><名前>値</名前><p:Ωmega xmlns:p=\"urn:p\" p:naïve=\"1\"/></café>")]
    public void Common_documents_are_read_by_the_fast_reader_exactly_like_XmlReader(string xml)
    {
        var bytes = Utf8NoBom.GetBytes(xml);
        Assert.True(AssertContract(bytes), "expected the fast reader to read it");
        Assert.True(AssertContract(bytes, chunk: 1), "expected the fast reader to read it byte by byte");
        Assert.True(AssertContract([0xEF, 0xBB, 0xBF, .. bytes]), "expected the fast reader to read it after a BOM");
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>x</a>")]
    [InlineData("<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>")]
    [InlineData("<a>&custom;</a>")]
    [InlineData("<a xml:space=\"preserve\"> </a>")]
    [InlineData("<a>&#32;</a>")]
    [InlineData("<p:a/>")]
    [InlineData("<a>]]></a>")]
    [InlineData("<a><b></a>")]
    [InlineData("<a>x</a><b/>")]
    [InlineData("<a>x")]
    [InlineData("<a b=\"1\" b=\"2\"/>")]
    [InlineData("<a xmlns:p=\"u\" xmlns:q=\"u\" p:x=\"1\" q:x=\"2\"/>")]
    [InlineData("<a b=\"<\"/>")]
    [InlineData("<a>&#1;</a>")]
    [InlineData("<a>\u0001</a>")]
    [InlineData("<a×b/>")]
    [InlineData("<·a/>")]
    [InlineData("<a😀/>")]
    [InlineData("<a xmlns:p=\"u\"><p:b:c/></a>")]
    [InlineData("<a xmlns:p=\"u\" p:b:c=\"1\"/>")]
    [InlineData("<a xmlns:p=\"u\"><p:/></a>")]
    [InlineData("<a xmlns:p=\"u\"><p:1/></a>")]
    [InlineData("<a xmlns:p=\"\"/>")]
    [InlineData("<xml:a/>")]
    [InlineData("<a b=\"1\"c=\"2\"/>")]
    [InlineData("<a><!-- x -- y --></a>")]
    [InlineData("<a><?xml version=\"1.0\"?></a>")]
    [InlineData("text<a/>")]
    [InlineData("")]
    public void Anything_unusual_or_wrong_falls_back_to_XmlReader(string xml)
    {
        Assert.Null(WithFastReader(Utf8NoBom.GetBytes(xml)));
    }

    /// <summary>Non-ASCII name characters: every 5th BMP code point as a name's first and later character.</summary>
    [Fact]
    public void Non_ASCII_name_characters_follow_XmlReaders_rules()
    {
        var read = 0;
        var total = 0;
        for (var c = 0x80; c <= 0xFFFD; c += 5)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            var ch = ((char)c).ToString();
            foreach (var xml in new[] { $"<{ch}a>x</{ch}a>", $"<a{ch}>x</a{ch}>", $"<r xmlns:p='u'><p:{ch}/><a p:b{ch}='1'/></r>" })
            {
                total++;
                if (AssertContract(Utf8NoBom.GetBytes(xml))) read++;
            }
        }
        // Most of the BMP is letters (CJK alone is ~21 000 code points): most names are read, the rest fall back.
        Assert.InRange(read, total / 2, total - 1);
    }

    [Fact]
    public void Other_encodings_and_invalid_UTF8_fall_back()
    {
        Assert.Null(WithFastReader(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<a>x</a>")).ToArray()));
        Assert.Null(WithFastReader(Encoding.BigEndianUnicode.GetBytes("<a>x</a>")));
        Assert.Null(WithFastReader([.. "<a>"u8, 0xC3, 0x28, .. "</a>"u8]));
        Assert.Null(WithFastReader([.. "<a b=\""u8, 0xFF, .. "\"/>"u8]));
        Assert.Null(WithFastReader([.. "<a>"u8, 0xEF, 0xBF, 0xBE, .. "</a>"u8])); // U+FFFE
    }

    /// <summary>
    /// The text scan works 16 bytes at a time with a scalar tail: every special byte (reference, CR, ']', "]]>",
    /// controls, non-ASCII, invalid UTF-8, U+FFFE) at every position of values up to 80 bytes, in text and attributes.
    /// </summary>
    [Fact]
    public void Special_bytes_at_every_position_of_a_value_are_handled_like_XmlReader()
    {
        byte[][] specials =
        [
            "&amp;"u8.ToArray(), "&#x41;"u8.ToArray(), "\r\n"u8.ToArray(), "\r"u8.ToArray(), "]"u8.ToArray(), "]]>"u8.ToArray(),
            "\t"u8.ToArray(), "\n"u8.ToArray(), [0x01], [0x1F], [0x7F], "é"u8.ToArray(), "😀"u8.ToArray(), [0xC3], [0xFF],
            [0xEF, 0xBF, 0xBE], "<"u8.ToArray(), "\""u8.ToArray(),
        ];
        var read = 0;
        var total = 0;
        foreach (var special in specials)
        {
            for (var length = 1; length <= 80; length++)
            {
                for (var at = 0; at < length; at += length > 40 ? 7 : 1)
                {
                    var value = new List<byte>();
                    for (var i = 0; i < length; i++)
                    {
                        if (i == at) value.AddRange(special);
                        else value.Add((byte)('a' + (i % 26)));
                    }
                    // Separate documents: a fallback caused by the attribute must not hide the text case.
                    byte[] text = [.. "<r><v>"u8, .. value, .. "</v></r>"u8];
                    byte[] attribute = [.. "<r><w a=\""u8, .. value, .. "\"/></r>"u8];
                    total += 2;
                    if (AssertContract(text)) read++;
                    if (AssertContract(attribute)) read++;
                    AssertContract(text, chunk: 5);
                    AssertContract(attribute, chunk: 5);
                }
            }
        }
        Assert.InRange(read, total / 3, total - 1);
    }

    [Fact]
    public void A_document_over_the_size_cap_falls_back_so_XmlReader_reports_the_cap()
    {
        var bytes = "<a>0123456789</a>"u8.ToArray();
        using var reader = new Utf8XmlReader(new TrickleStream(bytes, 4), new NameTable(), maxBytes: 10);
        Assert.Throws<XmlFallbackException>(() => Capture(new FastTokens(reader)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Generated_documents_read_the_same_through_both_readers(int chunk)
    {
        var fast = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var document = Generate(new Random(seed));
            if (AssertContract(document, chunk)) fast++;
        }
        // The generator writes only what the fast reader handles, except for the rare fallback features it mixes in.
        Assert.True(fast >= 270, $"the fast reader read only {fast} of 300 generated documents");
    }

    [Fact]
    public void Corrupted_documents_are_never_read_differently_from_XmlReader()
    {
        var random = new Random(20261126);
        byte[] noise = [.. "<>&;\"'/!?-[]:=#x \t\r\n"u8, 0x00, 0x01, 0x1F, 0xC3, 0xA9, 0xFF, 0xEF, 0xBF];
        var fast = 0;
        var total = 0;
        for (var seed = 0; seed < 120; seed++)
        {
            var original = Generate(new Random(seed));
            for (var variant = 0; variant < 25; variant++)
            {
                var bytes = new List<byte>(original);
                for (var m = random.Next(1, 4); m > 0 && bytes.Count > 1; m--)
                {
                    var at = random.Next(bytes.Count);
                    switch (random.Next(3))
                    {
                        case 0: bytes.RemoveRange(at, Math.Min(random.Next(1, 4), bytes.Count - at)); break;
                        case 1: bytes.Insert(at, noise[random.Next(noise.Length)]); break;
                        default: bytes[at] = noise[random.Next(noise.Length)]; break;
                    }
                }
                total++;
                if (AssertContract([.. bytes], chunk: variant % 5 == 0 ? 3 : 0)) fast++;
            }
        }
        // Many corruptions land in text (still well-formed); the rest must all have fallen back.
        Assert.InRange(fast, 1, total - 1);
    }

    /// <summary>
    /// Whole conversions with and without the fast reader give identical bytes — including a file that falls back
    /// after thousands of rows were already written (a whitespace-only character reference near its end), files in
    /// other encodings, a malformed file and non-ASCII names, inside ZIPs and as plain files.
    /// </summary>
    [Theory]
    [InlineData(RepeatMode.Wide, 1)]
    [InlineData(RepeatMode.Relational, 2)]
    public async Task Conversions_with_and_without_the_fast_reader_are_identical(RepeatMode mode, int threads)
    {
        using var temp = new TempDir();
        var late = new StringBuilder("<?xml version=\"1.0\"?>\r\n<Export xmlns=\"urn:e\" xmlns:x=\"urn:x\">\r\n<Head><Run>7</Run></Head>\r\n");
        for (var i = 0; i < 30_000; i++)
        {
            late.Append(CultureInfo($"<Item id=\"{i}\" x:flag=\"{i % 3}\"><Name>n &amp; {i}</Name><Price>-{i}.50</Price>"));
            late.Append(i % 1000 == 0 ? "<Note><![CDATA[=1+1]]></Note>" : "<Note>é\r\n日本</Note>");
            late.Append(i == 29_990 ? "<Blank>&#32;</Blank>" : "").Append("</Item>\r\n");
        }
        late.Append("</Export>");
        temp.File("in/LATE/late.xml", late.ToString());
        // The same inside a ZIP: larger than the scan's sample, so it is inflated again, and again after the fallback.
        temp.Bytes("in/AR_LATEZIP.zip", Zip.Build(("late.xml", Encoding.UTF8.GetBytes(late.ToString()))));
        temp.File("in/LATIN/latin.xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><Item><Name>caf\u00e9</Name></Item><Item><Name>b</Name></Item></r>", Encoding.Latin1);
        temp.File("in/NAMES/names.xml", "<r><Item><Straße>1</Straße><Name>a</Name></Item><Item><Straße>2</Straße></Item></r>");
        temp.File("in/BROKEN/bad.xml", "<r><Item><Name>x</Name></Item><Item></r>");
        var zipped = Enumerable.Range(0, 6).Select(f => ($"part{f}.xml", Encoding.UTF8.GetBytes(
            $"<Export><Item id='{f}'><Name>n{f}</Name>{(f == 3 ? "<Odd>&#10;</Odd>" : "")}<Line><Sku>a</Sku></Line><Line><Sku>b</Sku></Line></Item></Export>"))).ToArray();
        temp.Bytes("in/AR_ZIPPED.zip", Zip.Build(zipped));
        var input = temp.Combine("in");

        var options = new ConvertOptions { Mode = mode, Threads = threads, TempDirectory = temp.Combine("tmp") };
        var (withFast, fastDir) = await Run.Convert(input, temp, options, "fast");
        var (withReader, readerDir) = await Run.Convert(input, temp, options with { FastXml = false }, "reader");

        var a = Directory.GetFiles(fastDir).Where(f => !f.EndsWith(Converter.ManifestFileName, StringComparison.Ordinal)).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var b = Directory.GetFiles(readerDir).Where(f => !f.EndsWith(Converter.ManifestFileName, StringComparison.Ordinal)).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs");
        Assert.Equal(RetJsonContext.Serialize(withReader with { Timings = null }), RetJsonContext.Serialize(withFast with { Timings = null }));
        Assert.Equal(1, withFast.FailedFiles);
        Assert.Equal(30_000, withFast.Tables.Where(t => t.Group == "LATE").Max(t => t.Rows));
        Assert.Equal(30_000, withFast.Tables.Where(t => t.Group == "AR_LATEZIP").Max(t => t.Rows));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("tmp")));
    }

    /// <summary>
    /// The scan detects records with the fast reader too, re-reading with XmlReader where it falls back: the report
    /// is the same either way — entries, encodings, roots, record paths, reasons, groups and column previews — except
    /// the record count of a sample cut short, which depends on how far each reader had buffered at the cut.
    /// </summary>
    [Fact]
    public async Task Scans_with_and_without_the_fast_reader_report_the_same()
    {
        using var temp = new TempDir();
        var big = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><Export xmlns=\"urn:e\">");
        for (var i = 0; i < 40_000; i++) big.Append(FormattableString.Invariant($"<Item id=\"{i}\"><Name>n{i}</Name><Line><Sku>s</Sku></Line></Item>\n"));
        big.Append("</Export>");
        temp.File("in/BIG/big.xml", big.ToString());
        temp.Bytes("in/AR_ZIPPED.zip", Zip.Build(
            ("big.xml", Encoding.UTF8.GetBytes(big.ToString())),
            ("small.xml", "<r><Item><Name>a</Name></Item><Item><Name>b</Name></Item></r>"u8.ToArray()),
            ("names.xml", Encoding.UTF8.GetBytes("<r><Posten><Straße>1</Straße></Posten><Posten><Straße>2</Straße></Posten></r>")),
            ("late-fallback.xml", Encoding.UTF8.GetBytes("<r><Item><Name>a</Name></Item><Item><Name>&#32;</Name></Item></r>"))));
        temp.File("in/LATIN/latin.xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><Item><Name>caf\u00e9</Name></Item><Item><Name>b</Name></Item></r>", Encoding.Latin1);
        temp.File("in/DTD/dtd.xml", "<!DOCTYPE r [<!ENTITY e \"x\">]><r><i>&e;</i></r>");
        temp.File("in/BROKEN/bad.xml", "<r><Item><Name>x</Name></Item><Item></r>");
        temp.File("in/EMPTY/empty.xml", "");
        var input = temp.Combine("in");

        var fast = await ArchiveScanner.ScanAsync(input, new ScanOptions { TempDirectory = temp.Combine("tmp") });
        var reader = await ArchiveScanner.ScanAsync(input, new ScanOptions { TempDirectory = temp.Combine("tmp"), FastXml = false });

        static ScanReport Comparable(ScanReport report) => report with
        {
            Entries = report.Entries.Select(e => e.SampleComplete == false ? e with { RecordsInSample = null } : e).ToList(),
        };
        Assert.Equal(RetJsonContext.Serialize(Comparable(reader)), RetJsonContext.Serialize(Comparable(fast)));
        Assert.Contains(fast.Entries, e => e.Path.EndsWith("big.xml", StringComparison.Ordinal) && e.SampleComplete == false);
        Assert.Contains(fast.Entries, e => e.Path.EndsWith("dtd.xml", StringComparison.Ordinal) && e.Kind == Archives.EntryKind.Rejected);
        Assert.Contains(fast.Entries, e => e.Path.EndsWith("latin.xml", StringComparison.Ordinal) && e.RecordPath == "r/Item");
        Assert.Contains(fast.Entries, e => e.Path.EndsWith("names.xml", StringComparison.Ordinal) && e.RecordPath == "r/Posten");
    }

    private static string CultureInfo(FormattableString s) => FormattableString.Invariant(s);

    // ---- generator ---------------------------------------------------------------------------------------------

    private static readonly string[] Names = ["a", "b", "Item", "x-y", "_z", "n.1", "Line", "Name", "Straße", "名前", "naïve-1"];
    private static readonly string[] Pieces =
    [
        "word", "two words", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#x41;", "&#65;", "&#9;", "&#10;", "&#13;",
        "\t", "\n", "\r\n", "\r", " ", "é", "日本", "😀", "&#x1F600;", ">", "]", "]]", "'", "\"", "-42", "=SUM(A1)",
    ];

    private static byte[] Generate(Random random)
    {
        var xml = new StringBuilder();
        switch (random.Next(4))
        {
            case 0: xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"); break;
            case 1: xml.Append("<?xml version='1.0'?>"); break;
            case 2: xml.Append("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\" ?>\r\n"); break;
        }
        if (random.Next(3) == 0) xml.Append("<!-- generated -->\n<?app hint?>\n");
        var prefixes = new List<string>();
        Element(random, xml, 0, prefixes, root: true);
        if (random.Next(3) == 0) xml.Append("\n<!-- end -->\n");
        var text = xml.ToString();
        if (random.Next(4) == 0) text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
        var bytes = Utf8NoBom.GetBytes(text);
        return random.Next(5) == 0 ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
    }

    private static void Element(Random random, StringBuilder xml, int depth, List<string> prefixes, bool root = false)
    {
        var declared = new List<string>();
        var attributes = new List<string>();
        if (root || random.Next(6) == 0)
        {
            foreach (var p in new[] { "p", "q" })
            {
                if (random.Next(2) == 0)
                {
                    attributes.Add($"xmlns:{p}=\"urn:{p}{random.Next(3)}\"");
                    declared.Add(p);
                }
            }
            if (random.Next(3) == 0) attributes.Add(random.Next(4) == 0 ? "xmlns=\"\"" : $"xmlns=\"urn:d{random.Next(3)}\"");
        }
        var scope = prefixes.Concat(declared).Distinct().ToList();
        var name = Names[random.Next(Names.Length)];
        if (scope.Count > 0 && random.Next(3) == 0) name = scope[random.Next(scope.Count)] + ":" + name;
        var used = new HashSet<string>();
        for (var i = random.Next(4); i > 0; i--)
        {
            var attribute = Names[random.Next(Names.Length)];
            if (scope.Count > 0 && random.Next(4) == 0) attribute = scope[random.Next(scope.Count)] + ":" + attribute;
            else if (random.Next(20) == 0) attribute = "xml:lang";
            if (!used.Add(attribute)) continue;
            var quote = random.Next(2) == 0 ? '"' : '\'';
            var value = Value(random, attribute: true).Replace(quote.ToString(), quote == '"' ? "&quot;" : "&apos;", StringComparison.Ordinal);
            attributes.Add($"{attribute}={quote}{value}{quote}");
        }
        xml.Append('<').Append(name);
        foreach (var attribute in attributes) xml.Append(random.Next(5) == 0 ? "\n  " : " ").Append(attribute);
        if (depth >= 4 || random.Next(5) == 0)
        {
            xml.Append(random.Next(2) == 0 ? "/>" : " />");
            return;
        }
        xml.Append('>');
        for (var i = random.Next(root ? 2 : 0, 5); i > 0; i--)
        {
            switch (random.Next(9))
            {
                case 0: case 1: case 2: Element(random, xml, depth + 1, scope); break;
                case 3: xml.Append("<![CDATA[").Append(Value(random, attribute: false).Replace("]]>", "", StringComparison.Ordinal)).Append(" < & ]] ]]>"); break;
                case 4: xml.Append(random.Next(2) == 0 ? "<!-- note -->" : "<?pi x?>"); break;
                case 5: xml.Append(random.Next(2) == 0 ? "\n    " : "  \t"); break;
                default: xml.Append(Value(random, attribute: false)); break;
            }
        }
        xml.Append("</").Append(name).Append(random.Next(6) == 0 ? " >" : ">");
    }

    private static string Value(Random random, bool attribute)
    {
        var value = new StringBuilder();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            var piece = Pieces[random.Next(Pieces.Length)];
            if (!attribute && piece == "]]") piece = "] ]";
            value.Append(piece);
        }
        // Rare: a fallback feature (whitespace-only reference) — the counts above allow for it.
        if (random.Next(60) == 0) return attribute ? value.ToString() : "&#32;";
        return value.ToString();
    }

    /// <summary>A stream that returns at most a few bytes per read, to cross every buffer boundary.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
