using System.Xml;
using Ret.Conversion.Safety;
using Ret.Conversion.Xml;

namespace Ret.Conversion.Scanning;

/// <summary>Statistics of one element path (local names from the root) over a sample of a document.</summary>
internal sealed class PathStat(string path, string name, PathStat? parent, int depth)
{
    public string Path { get; } = path;
    public string Name { get; } = name;
    public PathStat? Parent { get; } = parent;
    public int Depth { get; } = depth;
    public List<PathStat> Children { get; } = [];
    /// <summary>Children by local name (the reader's atomised names), so a known path costs no string building.</summary>
    public Dictionary<string, PathStat>? ChildByName { get; set; }
    /// <summary>Sequence number of the parent instance whose children <see cref="CurrentRepeat"/> counts.</summary>
    public long RepeatParent { get; set; } = -1;
    public int CurrentRepeat { get; set; }
    public long Count { get; set; }
    /// <summary>Most instances of this element under one parent instance.</summary>
    public int MaxRepeat { get; set; }
    /// <summary>Leaf values (text nodes and attributes) in all instances' subtrees.</summary>
    public long Mass { get; set; }
}

/// <summary>What the detector found in one document.</summary>
internal sealed record DetectionResult(
    string Root,
    string? DeclaredEncoding,
    string RecordPath,
    long RecordsInSample,
    bool SampleComplete,
    IReadOnlyList<string> ContextElements);

/// <summary>
/// Finds the record element of a document: the element that repeats and carries the data, at any depth.
/// See docs/decisions/0102-record-detection.md for the rule; in short:
/// <list type="number">
/// <item>Well-known vocabularies first (Crossref <c>doi_batch</c>: the content item — <c>journal_article</c>, <c>book</c>, …).</item>
/// <item>Otherwise descend from the root along the child holding most of the data (its "mass" ≥ half of the
/// parent's); stop at the first such child that repeats under one parent (<c>library/book</c>,
/// <c>Export/PaymentTerm</c>), or at an element that carries its own fields (≥ 2 leaf children), or when no child
/// dominates. A single-record file therefore still yields one row.</item>
/// </list>
/// Only a sample (the first <c>sampleBytes</c>) is parsed, so scanning stays cheap on huge files.
/// </summary>
internal static class RecordDetector
{
    /// <summary>Record elements of known vocabularies, keyed by root element name, in priority order.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KnownRecords = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["doi_batch"] =
        [
            "journal_article", "conference_paper", "book", "dissertation", "posted_content",
            "peer_review", "component", "grant", "report-paper", "standard", "database", "dataset", "journal",
        ],
    };

    /// <summary>Detects with <see cref="XmlReader"/>.</summary>
    public static DetectionResult Detect(Stream xml, Func<long> bytesRead, SafetyLimits limits, long sampleBytes, CancellationToken ct)
    {
        using var reader = SafeXml.Create(xml, limits);
        return Detect(new ReaderTokens(reader), bytesRead, limits, sampleBytes, ct);
    }

    /// <summary>Detects with the fast UTF-8 reader; throws <see cref="XmlFallbackException"/> when the document needs
    /// <see cref="XmlReader"/> (the caller reads it again with <see cref="Detect(Stream, Func{long}, SafetyLimits, long, CancellationToken)"/>).</summary>
    public static DetectionResult DetectFast(Stream xml, Func<long> bytesRead, SafetyLimits limits, long sampleBytes, CancellationToken ct)
    {
        using var reader = new Utf8XmlReader(xml, new NameTable(), limits.MaxXmlCharacters);
        return Detect(new FastTokens(reader), bytesRead, limits, sampleBytes, ct);
    }

    private static DetectionResult Detect<T>(T reader, Func<long> bytesRead, SafetyLimits limits, long sampleBytes, CancellationToken ct)
        where T : struct, IXmlTokens
    {
        string? declared = null;
        var stats = new Dictionary<string, PathStat>(StringComparer.Ordinal);
        // Per open element: its path, its instance number (for repeat counting) and the data mass below it so far.
        var stack = new List<(PathStat Stat, long Instance, long Mass)>();
        PathStat? root = null;
        var complete = true;
        var nodes = 0;
        long instances = 0;

        while (reader.Read())
        {
            if ((++nodes & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                if (bytesRead() > sampleBytes) { complete = false; break; }
            }
            switch (reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    declared = reader.DeclaredEncoding;
                    break;
                case XmlNodeType.Element:
                {
                    if (reader.Depth >= limits.MaxElementDepth) throw reader.DepthError(limits);
                    var name = reader.LocalName;
                    PathStat stat;
                    if (stack.Count == 0)
                    {
                        root = stat = new PathStat(name, name, null, 0);
                        stats[name] = stat;
                    }
                    else
                    {
                        var parent = stack[^1];
                        var byName = parent.Stat.ChildByName ??= new Dictionary<string, PathStat>(StringComparer.Ordinal);
                        if (!byName.TryGetValue(name, out stat!))
                        {
                            var path = parent.Stat.Path + "/" + name;
                            stat = new PathStat(path, name, parent.Stat, stack.Count);
                            stats[path] = stat;
                            byName[name] = stat;
                            parent.Stat.Children.Add(stat);
                        }
                        // Instances of one path never nest, so the children of one parent instance are contiguous
                        // for that parent: counting per parent instance number needs no per-element dictionary.
                        if (stat.RepeatParent != parent.Instance)
                        {
                            stat.RepeatParent = parent.Instance;
                            stat.CurrentRepeat = 0;
                        }
                        var repeat = ++stat.CurrentRepeat;
                        if (repeat > stat.MaxRepeat) stat.MaxRepeat = repeat;
                    }
                    stat.Count++;
                    var mass = CountAttributes(reader);
                    if (reader.IsEmptyElement)
                    {
                        stat.Mass += mass;
                        if (stack.Count > 0) stack[^1] = stack[^1] with { Mass = stack[^1].Mass + mass };
                    }
                    else
                    {
                        stack.Add((stat, ++instances, mass));
                    }
                    break;
                }
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    if (stack.Count > 0) stack[^1] = stack[^1] with { Mass = stack[^1].Mass + 1 };
                    break;
                case XmlNodeType.EndElement:
                {
                    var frame = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    frame.Stat.Mass += frame.Mass;
                    if (stack.Count > 0) stack[^1] = stack[^1] with { Mass = stack[^1].Mass + frame.Mass };
                    break;
                }
            }
        }
        // Unfinished elements of a partial sample still count towards their ancestors' mass.
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            stack[i].Stat.Mass += stack[i].Mass;
            if (i > 0) stack[i - 1] = stack[i - 1] with { Mass = stack[i - 1].Mass + stack[i].Mass };
        }
        declared ??= reader.DeclaredEncoding;
        if (root is null) throw new XmlException("The document has no root element.");

        var record = Choose(root, stats);
        return new DetectionResult(root.Name, declared, record.Path, record.Count, complete, ContextOf(record));
    }

    /// <summary>The rule described on the class.</summary>
    internal static PathStat Choose(PathStat root, IReadOnlyDictionary<string, PathStat> stats)
    {
        if (KnownRecords.TryGetValue(root.Name, out var known))
        {
            foreach (var name in known)
            {
                PathStat? best = null;
                foreach (var stat in stats.Values)
                {
                    if (stat.Name == name && (best is null || stat.Depth < best.Depth)) best = stat;
                }
                if (best is not null) return best;
            }
        }

        var node = root;
        while (true)
        {
            if (node != root && LeafChildren(node) >= 2) return node;
            PathStat? heaviest = null;
            foreach (var child in node.Children)
            {
                if (heaviest is null || child.Mass > heaviest.Mass) heaviest = child;
            }
            if (heaviest is null || heaviest.Children.Count == 0 && heaviest.MaxRepeat < 2) return node;
            if (heaviest.Mass * 2 < node.Mass) return node;
            if (heaviest.MaxRepeat >= 2) return heaviest;
            node = heaviest;
        }
    }

    private static int LeafChildren(PathStat node)
    {
        var leaves = 0;
        foreach (var child in node.Children) if (child.Children.Count == 0) leaves++;
        return leaves;
    }

    /// <summary>The complex siblings along the record's ancestor chain (what wraps the record).</summary>
    private static List<string> ContextOf(PathStat record)
    {
        var context = new List<string>();
        for (var node = record; node.Parent is not null; node = node.Parent)
        {
            foreach (var sibling in node.Parent.Children)
            {
                if (sibling != node) context.Add(sibling.Path);
            }
        }
        context.Reverse();
        return context;
    }

    private static int CountAttributes<T>(T reader)
        where T : struct, IXmlTokens
    {
        if (!reader.HasAttributes) return 0;
        var count = 0;
        while (reader.MoveToNextAttribute())
        {
            if (reader.NamespaceURI != XmlnsNamespace) count++;
        }
        reader.MoveToElement();
        return count;
    }

    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";


    internal static XmlException DepthError(XmlReader reader, SafetyLimits limits)
    {
        var info = reader as IXmlLineInfo;
        return new XmlException(
            $"Element nesting deeper than the cap ({limits.MaxElementDepth}).", null, info?.LineNumber ?? 0, info?.LinePosition ?? 0);
    }
}
