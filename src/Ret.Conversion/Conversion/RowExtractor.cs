using System.Text;
using System.Xml;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;
using Ret.Conversion.Xml;

namespace Ret.Conversion.Conversion;

/// <summary>
/// One streaming pass over one XML file: every record becomes a spill row of (local column id, value) cells;
/// values outside records are context, snapshotted before the next record (docs/decisions/0104).
/// Column identity is the path below the record with an occurrence index per element
/// (<c>Line#2/Sku</c>); naming (<c>Line[2].Sku</c> or a child table) is decided later for the whole group.
/// </summary>
internal sealed class RowExtractor
{
    private readonly RecordMatcher _matcher;
    private readonly SafetyLimits _limits;
    private readonly SpillWriter _spill;
    private readonly NameTable _names = new CachedNameTable();
    private readonly string _xmlnsNamespace;
    private readonly PathNode _contextRoot;
    private readonly List<PathNode> _columns = [];
    private readonly List<ContextEntry> _context = [];
    private readonly List<TrailerValue> _trailer = [];
    // Text of the open elements as UTF-8, innermost on top (see Frame.TextStart).
    private byte[] _text = new byte[1024];
    private int _textLength;
    private Frame[] _frames = new Frame[32];
    private SiblingCounter[] _counters = new SiblingCounter[32];
    private PathNode? _recordRoot;
    private bool _contextDirty;
    private long _records;
    private long _seen;
    private long _seq;
    private readonly Func<int, string> _ancestorName;

    public RowExtractor(RecordMatcher matcher, SafetyLimits limits, SpillWriter spill)
    {
        _matcher = matcher;
        _limits = limits;
        _spill = spill;
        _xmlnsNamespace = _names.Add("http://www.w3.org/2000/xmlns/");
        var empty = _names.Add("");
        _contextRoot = new PathNode(null, NodeKind.Element, empty, empty, empty, 0, isContext: true);
        _ancestorName = d => _frames[d].Node.LocalName;
    }

    private struct Frame
    {
        public PathNode Node;
        /// <summary>The element has text; it is <c>_text[TextStart.._textLength]</c> (UTF-8), above its ancestors' text.</summary>
        public bool HasText;
        public int TextStart;
        public bool InRecord;
        public bool IsRecord;
        public bool HasChild;
        public bool HasAttributes;
        public bool OnlyCData;
        public long StartSeq;
    }

    private struct ContextEntry
    {
        public int ColumnId;
        public string Value;
        public long Seq;
        public bool Consumed;
        public bool IsValue;
    }

    /// <summary>Reads <paramref name="xml"/> to the end with <see cref="XmlReader"/>, writing rows to the spill.</summary>
    /// <param name="xml">The document.</param>
    /// <param name="result">Receives counts, columns and trailer values.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="stop">Optional: checked every few hundred nodes; true ends the pass early (a sample), as if the document ended there.</param>
    public void Run(Stream xml, FileExtraction result, CancellationToken ct, Func<bool>? stop = null)
    {
        using var reader = SafeXml.Create(xml, _limits, _names);
        Run(new ReaderTokens(reader), result, stop, ct);
    }

    /// <summary>
    /// Reads <paramref name="xml"/> with the fast UTF-8 reader. Throws <see cref="XmlFallbackException"/> when the
    /// document needs <see cref="XmlReader"/>: the spill and this extractor are then spent (see <see cref="FileExtractor"/>).
    /// </summary>
    public void RunFast(Stream xml, FileExtraction result, CancellationToken ct)
    {
        using var reader = new Utf8XmlReader(xml, _names, _limits.MaxXmlCharacters);
        Run(new FastTokens(reader), result, null, ct);
    }

    private void Run<T>(T reader, FileExtraction result, Func<bool>? stop, CancellationToken ct)
        where T : struct, IXmlTokens
    {
        var nodes = 0;
        while (reader.Read())
        {
            if ((++nodes & 0x1FF) == 0)
            {
                if ((nodes & 0x1FFF) == 0) ct.ThrowIfCancellationRequested();
                if (stop is not null && stop()) break;
            }
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    StartElement(reader);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.SignificantWhitespace:
                case XmlNodeType.CDATA:
                {
                    // The innermost open element's text is the top of the text stack: append to it.
                    ref var frame = ref _frames[reader.Depth - 1];
                    frame.OnlyCData = reader.NodeType == XmlNodeType.CDATA && (!frame.HasText || frame.OnlyCData);
                    frame.HasText = true;
                    reader.AppendValueUtf8(ref _text, ref _textLength);
                    break;
                }
                case XmlNodeType.EndElement:
                    EndElement(reader.Depth);
                    break;
            }
        }
        Finish(result);
    }

    private void StartElement<T>(T reader)
        where T : struct, IXmlTokens
    {
        var depth = reader.Depth;
        if (depth >= _limits.MaxElementDepth) throw reader.DepthError(_limits);
        if (depth >= _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
            Array.Resize(ref _counters, _counters.Length * 2);
        }

        var name = reader.LocalName;
        var ns = reader.NamespaceURI;
        PathNode node;
        var inRecord = depth > 0 && _frames[depth - 1].InRecord;
        var isRecord = false;
        if (inRecord)
        {
            ref var parent = ref _frames[depth - 1];
            parent.HasChild = true;
            var index = _counters[depth - 1].Increment(name, ns);
            node = parent.Node.FindChild(NodeKind.Element, name, ns, index) ?? parent.Node.AddChild(NodeKind.Element, name, ns, index, reader.Prefix);
        }
        else if (_matcher.Matches(name, depth, _ancestorName))
        {
            if (depth > 0) _frames[depth - 1].HasChild = true;
            isRecord = inRecord = true;
            node = _recordRoot ??= new PathNode(null, NodeKind.Element, name, ns, reader.Prefix, 0, isContext: false);
            for (var d = depth - 1; d >= 0 && !_frames[d].Node.IsRecordAncestor; d--) _frames[d].Node.IsRecordAncestor = true;
            StartRecord();
        }
        else
        {
            var parentNode = _contextRoot;
            var index = 1;
            if (depth > 0)
            {
                ref var parent = ref _frames[depth - 1];
                parent.HasChild = true;
                parentNode = parent.Node;
                index = _counters[depth - 1].Increment(name, ns);
            }
            node = parentNode.FindChild(NodeKind.Element, name, ns, 1) ?? parentNode.AddChild(NodeKind.Element, name, ns, 1, reader.Prefix);
            // Later siblings of an element that wrapped records (a second <journal>) reuse its columns.
            if (index > 1 && !node.IsRecordAncestor) node = parentNode.FindChild(NodeKind.Element, name, ns, index) ?? parentNode.AddChild(NodeKind.Element, name, ns, index, reader.Prefix);
        }

        (_counters[depth] ??= new SiblingCounter()).Reset();
        ref var frame = ref _frames[depth];
        frame.Node = node;
        frame.HasText = false;
        frame.TextStart = _textLength;
        frame.InRecord = inRecord;
        frame.IsRecord = isRecord;
        frame.HasChild = false;
        frame.OnlyCData = false;
        frame.HasAttributes = false;
        frame.StartSeq = _seq + 1;

        if (reader.HasAttributes) ReadAttributes(reader, ref frame);
        if (reader.IsEmptyElement) EndElement(depth);
    }

    private void ReadAttributes<T>(T reader, ref Frame frame)
        where T : struct, IXmlTokens
    {
        while (reader.MoveToNextAttribute())
        {
            if (ReferenceEquals(reader.NamespaceURI, _xmlnsNamespace)) continue;
            frame.HasAttributes = true;
            var name = reader.LocalName;
            var ns = reader.NamespaceURI;
            // The prefix is read only for a new column (it names the column when namespaces collide).
            var attribute = frame.Node.FindChild(NodeKind.Attribute, name, ns, 0) ?? frame.Node.AddChild(NodeKind.Attribute, name, ns, 0, reader.Prefix);
            _seen++;
            Emit(attribute, reader.Value, isValue: true, frame.InRecord);
        }
        reader.MoveToElement();
    }

    private void EndElement(int depth)
    {
        ref var frame = ref _frames[depth];
        if (frame.HasText)
        {
            var text = _text.AsSpan(frame.TextStart, _textLength - frame.TextStart);
            // Formatting whitespace around element content goes; CDATA is kept as written.
            var value = frame.OnlyCData ? text : TrimXmlWhitespace(text);
            if (value.Length > 0)
            {
                _seen++;
                Emit(frame.Node, value, frame.InRecord);
            }
            else if (!frame.HasChild && !frame.HasAttributes && !frame.IsRecord)
            {
                Emit(frame.Node, "", isValue: false, frame.InRecord);
            }
            _textLength = frame.TextStart;
        }
        else if (!frame.HasChild && !frame.HasAttributes && !frame.IsRecord)
        {
            // An empty element keeps its column (with an empty cell) so the layout shows the structure.
            Emit(frame.Node, "", isValue: false, frame.InRecord);
        }

        if (frame.IsRecord)
        {
            _spill.EndRow();
            _records++;
        }
        else if (!frame.InRecord && frame.Node.IsRecordAncestor)
        {
            ClearContextScope(frame.StartSeq);
        }
    }

    private void Emit(PathNode node, string value, bool isValue, bool inRecord)
    {
        if (node.ColumnId < 0)
        {
            node.ColumnId = _columns.Count;
            _columns.Add(node);
        }
        if (inRecord)
        {
            _spill.AddCell(node.ColumnId, value, isValue);
            return;
        }
        SetContext(node.ColumnId, value, isValue);
    }

    private static ReadOnlySpan<byte> TrimXmlWhitespace(ReadOnlySpan<byte> text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsXmlWhitespace(text[start])) start++;
        while (end > start && IsXmlWhitespace(text[end - 1])) end--;
        return text[start..end];
    }

    private static bool IsXmlWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>A leaf value as UTF-8: rows take the bytes as they are; context keeps a string.</summary>
    private void Emit(PathNode node, ReadOnlySpan<byte> value, bool inRecord)
    {
        if (node.ColumnId < 0)
        {
            node.ColumnId = _columns.Count;
            _columns.Add(node);
        }
        if (inRecord)
        {
            _spill.AddCell(node.ColumnId, value, isValue: true);
            return;
        }
        SetContext(node.ColumnId, Encoding.UTF8.GetString(value), isValue: true);
    }

    private void SetContext(int columnId, string value, bool isValue)
    {
        for (var i = 0; i < _context.Count; i++)
        {
            if (_context[i].ColumnId != columnId) continue;
            var old = _context[i];
            if (!old.Consumed) _trailer.Add(new TrailerValue(old.ColumnId, old.Value, old.IsValue));
            _context[i] = new ContextEntry { ColumnId = columnId, Value = value, Seq = ++_seq, IsValue = isValue };
            _contextDirty = true;
            return;
        }
        _context.Add(new ContextEntry { ColumnId = columnId, Value = value, Seq = ++_seq, IsValue = isValue });
        _contextDirty = true;
    }

    /// <summary>An element that wrapped records ended: what was set inside it no longer applies.</summary>
    private void ClearContextScope(long startSeq)
    {
        for (var i = _context.Count - 1; i >= 0; i--)
        {
            var entry = _context[i];
            if (entry.Seq < startSeq) continue;
            if (!entry.Consumed) _trailer.Add(new TrailerValue(entry.ColumnId, entry.Value, entry.IsValue));
            _context.RemoveAt(i);
            _contextDirty = true;
        }
    }

    /// <summary>Writes a context snapshot before the record's row when the context changed.</summary>
    private void StartRecord()
    {
        if (!_contextDirty) return;
        for (var i = 0; i < _context.Count; i++)
        {
            var entry = _context[i];
            _spill.AddCell(entry.ColumnId, entry.Value, entry.IsValue);
            entry.Consumed = true;
            _context[i] = entry;
        }
        _spill.EndContext();
        _contextDirty = false;
    }

    private void Finish(FileExtraction result)
    {
        foreach (var entry in _context)
        {
            if (!entry.Consumed) _trailer.Add(new TrailerValue(entry.ColumnId, entry.Value, entry.IsValue));
        }
        if (_records == 0 && _trailer.Count > 0)
        {
            // No record matched: the file's values still appear, as one context-only row.
            _spill.EndRow();
            result.Warning = $"Record element '{_matcher.Description}' not found; the file's values were written as one row.";
        }
        result.Records = _records;
        result.ValuesSeen = _seen;
        result.Trailer = [.. _trailer];
        result.Columns = _columns.ConvertAll(ToLocalColumn);
    }

    /// <summary>
    /// Structural key of a column. Namespaces are part of the key only where an element leaves its parent's
    /// namespace (<c>jats:abstract</c> inside Crossref), so files of different schema versions
    /// (<c>crossref.org/schema/4.4.2</c> vs <c>5.3.1</c>) share their columns.
    /// </summary>
    private LocalColumn ToLocalColumn(PathNode node)
    {
        var chain = new List<PathNode>();
        for (var n = node; n.Parent is not null; n = n.Parent) chain.Add(n);
        chain.Reverse();
        var segments = new ColumnSegment[chain.Count];
        var parentNamespace = node.IsContext ? (chain.Count > 0 ? chain[0].Namespace : "") : _recordRoot?.Namespace ?? "";
        var key = new StringBuilder(node.IsContext ? "c|" : "r|");
        for (var i = 0; i < chain.Count; i++)
        {
            var n = chain[i];
            var inherited = n.Kind == NodeKind.Element ? ReferenceEquals(n.Namespace, parentNamespace) : n.Namespace.Length == 0;
            var keyNamespace = inherited ? "" : "{" + n.Namespace + "}";
            segments[i] = new ColumnSegment(n.Kind, n.LocalName, keyNamespace, n.Prefix, n.Index);
            key.Append(n.Kind == NodeKind.Attribute ? '@' : '/').Append(keyNamespace).Append(n.LocalName);
            if (n.Kind == NodeKind.Element)
            {
                key.Append('#').Append(n.Index);
                parentNamespace = n.Namespace;
            }
        }
        return new LocalColumn(key.ToString(), segments, node.IsContext);
    }

    /// <summary>Occurrence counts of child names under one open element (reused per depth).</summary>
    private sealed class SiblingCounter
    {
        private string[] _names = new string[8];
        private string[] _namespaces = new string[8];
        private int[] _counts = new int[8];
        private int _length;
        private int _cursor;

        public void Reset()
        {
            _length = 0;
            _cursor = 0;
        }

        public int Increment(string name, string ns)
        {
            for (var n = 0; n < _length; n++)
            {
                var i = _cursor + n;
                if (i >= _length) i -= _length;
                if (ReferenceEquals(_names[i], name) && ReferenceEquals(_namespaces[i], ns))
                {
                    _cursor = i;
                    return ++_counts[i];
                }
            }
            if (_length == _names.Length)
            {
                Array.Resize(ref _names, _length * 2);
                Array.Resize(ref _namespaces, _length * 2);
                Array.Resize(ref _counts, _length * 2);
            }
            _names[_length] = name;
            _namespaces[_length] = ns;
            _counts[_length] = 1;
            _cursor = _length;
            return _counts[_length++];
        }
    }
}
