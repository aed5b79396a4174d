using System.Buffers;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;
using System.Xml;

namespace Ret.Conversion.Xml;

/// <summary>
/// A forward-only XML reader over UTF-8 bytes for the conversion's hot path (docs/decisions/0109). It reports the same
/// nodes as <see cref="XmlReader"/> with the engine's settings (<see cref="Safety.SafeXml"/>: no DTD, comments,
/// processing instructions and insignificant whitespace skipped) — elements with resolved namespaces and
/// attributes, text with entity and character references expanded and line ends normalised, CDATA, end tags — but
/// scans bytes with vectorised searches instead of decoding every character first, and atomises names from their
/// bytes through a small cache.
/// <para>
/// It handles only the well-formed common case and never reports an error itself: on anything else — an encoding
/// other than UTF-8, a DTD, a malformed or truncated document, an undeclared prefix, a name character outside the Basic Multilingual Plane, <c>xml:space</c>,
/// a reference that yields only whitespace, a size or depth cap — it throws <see cref="XmlFallbackException"/> and
/// the caller re-reads the document with <see cref="XmlReader"/>, which converts it or reports the error with its
/// line and position. The differential tests hold it to that contract: whatever it accepts, XmlReader accepts with
/// the same nodes.
/// </para>
/// </summary>
internal sealed class Utf8XmlReader : IDisposable
{
    private const int InitialBuffer = 64 * 1024;
    private const int MaxAttributes = 64;

    // Bytes that end or complicate a run of character data: markup, references, CR (line-end normalisation),
    // ']' (for "]]>") and the C0 controls XML forbids.
    private static readonly SearchValues<byte> _textSpecials = SearchValues.Create(
        "<&\r]\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> _dquoteSpecials = SearchValues.Create(
        "\"<&\t\n\r\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> _squoteSpecials = SearchValues.Create(
        "'<&\t\n\r\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> _controls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> _whitespace = SearchValues.Create(" \t\r\n"u8);
    private static readonly SearchValues<byte> _textStops = SearchValues.Create("&\r"u8);
    private static readonly SearchValues<byte> _attributeStops = SearchValues.Create("&\r\n\t"u8);
    private static readonly SearchValues<byte> _cdataStops = SearchValues.Create("\r"u8);

    // The same sets as 256-entry tables, for the scalar start of a search.
    private static readonly byte[] _textTable = Table(_textSpecials);
    private static readonly byte[] _dquoteTable = Table(_dquoteSpecials);
    private static readonly byte[] _squoteTable = Table(_squoteSpecials);

    // 1 = may start a name (ASCII letter, '_'), 2 = may continue one (also digit, '.', '-'). ':' is handled apart,
    // non-ASCII characters are decoded and checked (ReadName).
    private static readonly byte[] _nameClass = BuildNameClass();

    private readonly Stream? _stream;
    private byte[] _buf;
    private readonly bool _rented;
    private int _pos;
    private int _end;
    private bool _eof;
    private long _discarded;
    private readonly long _maxBytes;

    private readonly XmlNameTable _names;
    private readonly NameEntry?[] _cache = new NameEntry?[512];
    private readonly string _empty;
    private readonly string _xmlNs;
    private readonly string _xmlnsNs;
    private readonly string _xmlAtom;
    private readonly string _xmlnsAtom;
    private readonly string _spaceAtom;

    // 0 before the declaration, 1 prolog, 2 inside the root element, 3 after it.
    private int _state;
    private int _open;
    private NameEntry[] _openNames = new NameEntry[32];
    private string[] _openNamespaces = new string[32];
    private int[] _scopeStart = new int[32];
    private string[] _nsPrefixes = new string[16];
    private string[] _nsUris = new string[16];
    private int _nsCount;
    private bool _popPending;

    private Attribute[] _attributes = new Attribute[8];
    private int _attributeCount;
    private int _attributeIndex = -1;

    private char[] _chars = new char[256];

    /// <summary>Reads from <paramref name="stream"/>; a <see cref="MemoryStream"/> with a visible buffer is read in place.</summary>
    public Utf8XmlReader(Stream stream, XmlNameTable names, long maxBytes)
        : this(names, maxBytes)
    {
        if (stream is MemoryStream memory && memory.TryGetBuffer(out var segment))
        {
            _buf = segment.Array!;
            _pos = segment.Offset + (int)memory.Position;
            _end = segment.Offset + segment.Count;
            _eof = true;
            memory.Position = memory.Length;
            CheckSize(_end - _pos);
        }
        else
        {
            _stream = stream;
            _buf = ArrayPool<byte>.Shared.Rent(InitialBuffer);
            _rented = true;
        }
    }

    /// <summary>Reads <paramref name="bytes"/> in place.</summary>
    public Utf8XmlReader(ArraySegment<byte> bytes, XmlNameTable names, long maxBytes)
        : this(names, maxBytes)
    {
        _buf = bytes.Array!;
        _pos = bytes.Offset;
        _end = bytes.Offset + bytes.Count;
        _eof = true;
        CheckSize(bytes.Count);
    }

    private Utf8XmlReader(XmlNameTable names, long maxBytes)
    {
        _buf = [];
        _names = names;
        _maxBytes = maxBytes;
        _empty = names.Add("");
        _xmlNs = names.Add("http://www.w3.org/XML/1998/namespace");
        _xmlnsNs = names.Add("http://www.w3.org/2000/xmlns/");
        _xmlAtom = names.Add("xml");
        _xmlnsAtom = names.Add("xmlns");
        _spaceAtom = names.Add("space");
        _value = _empty;
    }

    // The current node. Names are read through the element's NameEntry and attributes through their slot, so a
    // node costs few reference stores (each is a GC write barrier).
    // Element / end tag: the name and namespace are _openNames[Depth] / _openNamespaces[Depth] (an end tag's entry
    // stays there until the next start tag), so a node costs no extra reference stores (GC write barriers).
    private bool _isTag;
    // Text/CDATA: the decoded value, or null while it is still only the bytes at _rawStart (until the next Read).
    private string? _value;
    private int _rawStart;
    private int _rawLength;

    /// <summary>The encoding named by the XML declaration (as written), once the first node is read; null without one.</summary>
    public string? DeclaredEncoding { get; private set; }

    public XmlNodeType NodeType { get; private set; }
    public int Depth { get; private set; }
    public bool IsEmptyElement { get; private set; }
    public bool HasAttributes => NodeType == XmlNodeType.Element && _attributeCount > 0;

    public string LocalName => _attributeIndex >= 0 ? _attributes[_attributeIndex].Name.Local : _isTag ? _openNames[Depth].Local : _empty;

    public string Prefix => _attributeIndex >= 0 ? _attributes[_attributeIndex].Name.Prefix : _isTag ? _openNames[Depth].Prefix : _empty;

    public string NamespaceURI => _attributeIndex >= 0 ? _attributes[_attributeIndex].Namespace! : _isTag ? _openNamespaces[Depth] : _empty;

    public string Value => _attributeIndex >= 0 ? _attributes[_attributeIndex].Value
        : _isTag ? _empty
        : _value ??= _rawLength == 0 ? _empty : Decode(_buf.AsSpan(_rawStart, _rawLength));

    public bool MoveToNextAttribute()
    {
        if (_attributeIndex + 1 >= _attributeCount) return false;
        _attributeIndex++;
        return true;
    }

    public void MoveToElement() => _attributeIndex = -1;

    public bool Read()
    {
        if (_popPending)
        {
            _popPending = false;
            Pop();
        }
        _attributeCount = 0;
        _attributeIndex = -1;
        if (_state == 0)
        {
            ReadStart();
            _state = 1;
        }
        while (true)
        {
            if (_pos >= _end && !Fill())
            {
                if (_state == 3) return false;
                throw Fallback("unexpected end of the document");
            }
            if (_buf[_pos] != (byte)'<')
            {
                // Indentation between tags is skipped here; anything else is character data.
                var p = _pos;
                while (p < _end && IsWhitespace(_buf[p])) p++;
                if (p < _end && _buf[p] == (byte)'<')
                {
                    _pos = p;
                }
                else
                {
                    if (ReadText()) return true;
                    continue;
                }
            }
            var next = ByteAt(1);
            if (next == '/')
            {
                ReadEndTag();
                return true;
            }
            if (next == '?')
            {
                SkipProcessingInstruction();
                continue;
            }
            if (next == '!')
            {
                if (ByteAt(2) == '-' && ByteAt(3) == '-')
                {
                    SkipComment();
                    continue;
                }
                if (_state == 2 && StartsWith("<![CDATA["u8))
                {
                    ReadCData();
                    return true;
                }
                throw Fallback("DOCTYPE or other markup declaration");
            }
            if (_state == 3) throw Fallback("a second root element");
            ReadStartTag();
            return true;
        }
    }

    public void Dispose()
    {
        if (_rented)
        {
            ArrayPool<byte>.Shared.Return(_buf);
        }
        _buf = [];
    }

    // ---- input -------------------------------------------------------------------------------------------------

    /// <summary>Reads more input, keeping everything from <see cref="_pos"/> (offsets relative to it stay valid).</summary>
    private bool Fill()
    {
        if (_eof) return false;
        if (_pos > 0)
        {
            var keep = _end - _pos;
            if (keep > 0) Buffer.BlockCopy(_buf, _pos, _buf, 0, keep);
            _discarded += _pos;
            _end = keep;
            _pos = 0;
        }
        if (_end == _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buf.Length * 2);
            Buffer.BlockCopy(_buf, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        var read = _stream!.Read(_buf, _end, _buf.Length - _end);
        if (read <= 0)
        {
            _eof = true;
            return false;
        }
        _end += read;
        CheckSize(_discarded + _end);
        return true;
    }

    private void CheckSize(long bytes)
    {
        // Characters ≤ bytes in UTF-8: below the cap in bytes is below it in characters; above it, XmlReader decides.
        if (_maxBytes > 0 && bytes > _maxBytes) throw Fallback("document size cap");
    }

    /// <summary>The byte at <paramref name="offset"/> from <see cref="_pos"/>, or -1 at the end of the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ByteAt(int offset)
    {
        while (_pos + offset >= _end)
        {
            if (!Fill()) return -1;
        }
        return _buf[_pos + offset];
    }

    private bool StartsWith(ReadOnlySpan<byte> literal)
    {
        if (ByteAt(literal.Length - 1) < 0) return false;
        return _buf.AsSpan(_pos, literal.Length).SequenceEqual(literal);
    }

    /// <summary>Offset (from <see cref="_pos"/>) of the first occurrence of <paramref name="literal"/> at or after <paramref name="from"/>.</summary>
    private int Find(ReadOnlySpan<byte> literal, int from)
    {
        while (true)
        {
            var i = _buf.AsSpan(_pos + from, _end - _pos - from).IndexOf(literal);
            if (i >= 0) return from + i;
            from = Math.Max(from, _end - _pos - literal.Length + 1);
            if (!Fill()) throw Fallback("unterminated markup");
        }
    }

    // ---- document start ----------------------------------------------------------------------------------------

    private void ReadStart()
    {
        var b0 = ByteAt(0);
        if (b0 == 0xEF)
        {
            if (ByteAt(1) != 0xBB || ByteAt(2) != 0xBF) throw Fallback("not UTF-8");
            _pos += 3;
        }
        else if (b0 is 0xFE or 0xFF or 0x00 || ByteAt(1) == 0x00)
        {
            throw Fallback("UTF-16 or UTF-32");
        }
        if (!StartsWith("<?xml"u8) || !IsWhitespace(ByteAt(5))) return;

        // <?xml version="1.0" [encoding="UTF-8"] [standalone="yes|no"] ?>, strictly; anything else falls back.
        var offset = 5;
        offset = RequireWhitespace(offset);
        offset = ReadDeclarationPair(offset, "version"u8, out var version);
        if (!version.SequenceEqual("1.0"u8)) throw Fallback("XML version");
        var seen = 0;
        while (true)
        {
            var ws = SkipWhitespace(offset);
            if (ByteAt(ws) == '?' && ByteAt(ws + 1) == '>')
            {
                _pos += ws + 2;
                return;
            }
            if (ws == offset) throw Fallback("XML declaration");
            offset = ws;
            if (seen < 1 && ByteAt(offset) == 'e')
            {
                offset = ReadDeclarationPair(offset, "encoding"u8, out var encoding);
                if (!Ascii.EqualsIgnoreCase(encoding, "utf-8"u8)) throw Fallback("encoding other than UTF-8");
                DeclaredEncoding = Encoding.ASCII.GetString(encoding);
                seen = 1;
            }
            else if (seen < 2 && ByteAt(offset) == 's')
            {
                offset = ReadDeclarationPair(offset, "standalone"u8, out var standalone);
                if (!standalone.SequenceEqual("yes"u8) && !standalone.SequenceEqual("no"u8)) throw Fallback("standalone value");
                seen = 2;
            }
            else
            {
                throw Fallback("XML declaration");
            }
            if (offset > 512) throw Fallback("XML declaration");
        }
    }

    private int ReadDeclarationPair(int offset, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (ByteAt(offset + name.Length - 1) < 0 || !_buf.AsSpan(_pos + offset, name.Length).SequenceEqual(name))
            throw Fallback("XML declaration");
        offset = SkipWhitespace(offset + name.Length);
        if (ByteAt(offset) != '=') throw Fallback("XML declaration");
        offset = SkipWhitespace(offset + 1);
        var quote = ByteAt(offset);
        if (quote is not ('"' or '\'')) throw Fallback("XML declaration");
        var start = offset + 1;
        var end = start;
        while (true)
        {
            var b = ByteAt(end);
            if (b == quote) break;
            if (b < 0 || end - start > 64) throw Fallback("XML declaration");
            end++;
        }
        value = _buf.AsSpan(_pos + start, end - start);
        return end + 1;
    }

    // ---- markup ------------------------------------------------------------------------------------------------

    private void ReadStartTag()
    {
        var offset = ReadName(1, out var name);
        var count = 0;
        var empty = false;
        while (true)
        {
            var ws = SkipWhitespace(offset);
            var b = ByteAt(ws);
            if (b == '>')
            {
                offset = ws + 1;
                break;
            }
            if (b == '/')
            {
                if (ByteAt(ws + 1) != '>') throw Fallback("malformed empty element");
                offset = ws + 2;
                empty = true;
                break;
            }
            if (ws == offset) throw Fallback("attribute without preceding whitespace");
            if (count == MaxAttributes) throw Fallback("many attributes");
            offset = ReadName(ws, out var attributeName);
            offset = SkipWhitespace(offset);
            if (ByteAt(offset) != '=') throw Fallback("attribute without '='");
            offset = SkipWhitespace(offset + 1);
            var quote = ByteAt(offset);
            if (quote is not ('"' or '\'')) throw Fallback("unquoted attribute value");
            offset = ReadAttributeValue(offset + 1, (byte)quote, out var value);
            if (count == _attributes.Length) Array.Resize(ref _attributes, count * 2);
            _attributes[count++] = new Attribute { Name = attributeName, Value = value };
        }
        _pos += offset;
        _attributeCount = count;

        // Namespace declarations of this element first, then resolve its name and its attributes' names.
        var scope = _nsCount;
        for (var i = 0; i < count; i++)
        {
            ref var attribute = ref _attributes[i];
            if (ReferenceEquals(attribute.Name.Raw, _xmlnsAtom))
            {
                Declare(_empty, attribute.Value);
                attribute.Namespace = _xmlnsNs;
            }
            else if (ReferenceEquals(attribute.Name.Prefix, _xmlnsAtom))
            {
                if (attribute.Value.Length == 0 || ReferenceEquals(attribute.Name.Local, _xmlAtom) || ReferenceEquals(attribute.Name.Local, _xmlnsAtom))
                    throw Fallback("reserved or empty namespace declaration");
                Declare(attribute.Name.Local, attribute.Value);
                attribute.Namespace = _xmlnsNs;
            }
        }
        var elementNamespace = Resolve(name.Prefix, element: true);
        for (var i = 0; i < count; i++)
        {
            ref var attribute = ref _attributes[i];
            if (attribute.Namespace is not null) continue;
            var prefix = attribute.Name.Prefix;
            if (prefix.Length == 0)
            {
                attribute.Namespace = _empty;
            }
            else if (ReferenceEquals(prefix, _xmlAtom))
            {
                if (ReferenceEquals(attribute.Name.Local, _spaceAtom)) throw Fallback("xml:space");
                attribute.Namespace = _xmlNs;
            }
            else
            {
                attribute.Namespace = Resolve(prefix, element: false);
            }
        }
        for (var i = 1; i < count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(_attributes[i].Name.Local, _attributes[j].Name.Local)
                    && ReferenceEquals(_attributes[i].Namespace, _attributes[j].Namespace))
                    throw Fallback("duplicate attribute");
            }
        }

        if (_open == _openNames.Length)
        {
            Array.Resize(ref _openNames, _open * 2);
            Array.Resize(ref _openNamespaces, _open * 2);
            Array.Resize(ref _scopeStart, _open * 2);
        }
        _openNames[_open] = name;
        _openNamespaces[_open] = elementNamespace;
        _scopeStart[_open] = scope;
        Depth = _open;
        _open++;
        _state = 2;
        NodeType = XmlNodeType.Element;
        _isTag = true;
        IsEmptyElement = empty;
        _popPending = empty;
    }

    private void Declare(string prefix, string value)
    {
        var uri = _names.Add(value);
        if (ReferenceEquals(uri, _xmlNs) || ReferenceEquals(uri, _xmlnsNs)) throw Fallback("reserved namespace");
        if (_nsCount == _nsPrefixes.Length)
        {
            Array.Resize(ref _nsPrefixes, _nsCount * 2);
            Array.Resize(ref _nsUris, _nsCount * 2);
        }
        _nsPrefixes[_nsCount] = prefix;
        _nsUris[_nsCount] = uri;
        _nsCount++;
    }

    private string Resolve(string prefix, bool element)
    {
        if (element && (ReferenceEquals(prefix, _xmlAtom) || ReferenceEquals(prefix, _xmlnsAtom))) throw Fallback("reserved prefix on an element");
        for (var i = _nsCount - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_nsPrefixes[i], prefix)) return _nsUris[i];
        }
        if (prefix.Length == 0) return _empty;
        throw Fallback("undeclared prefix");
    }

    private void ReadEndTag()
    {
        if (_state != 2) throw Fallback("end tag outside the root element");
        var open = _openNames[_open - 1];
        var length = open.Key.Length;
        if (ByteAt(2 + length) < 0 || !SameName(_buf.AsSpan(_pos + 2, length), open.Key)) throw Fallback("mismatched end tag");
        var offset = 2 + length;
        var b = ByteAt(offset);
        if (b != '>')
        {
            if (!IsWhitespace(b)) throw Fallback("mismatched end tag");
            offset = SkipWhitespace(offset);
            if (ByteAt(offset) != '>') throw Fallback("malformed end tag");
        }
        _pos += offset + 1;
        Depth = _open - 1;
        NodeType = XmlNodeType.EndElement;
        _isTag = true;
        IsEmptyElement = false;
        Pop();
    }

    private void Pop()
    {
        _open--;
        _nsCount = _scopeStart[_open];
        if (_open == 0) _state = 3;
    }

    /// <summary>
    /// Reads a (qualified) name starting at <paramref name="offset"/>; returns the offset after it. ASCII name
    /// characters come from a table; others are decoded and checked with <see cref="XmlConvert.IsStartNCNameChar"/> /
    /// <see cref="XmlConvert.IsNCNameChar"/>, the character tables <see cref="XmlReader"/> itself uses.
    /// </summary>
    private int ReadName(int offset, out NameEntry name)
    {
        // The common case, ASCII names, in a tight loop; anything else in the general one below.
        while (true)
        {
            var span = _buf.AsSpan(_pos + offset, _end - _pos - offset);
            if (span.Length > 1)
            {
                var first = span[0];
                if (first >= 0x80) return ReadAnyName(offset, out name);
                if ((_nameClass[first] & 1) == 0) throw Fallback("name start");
                var colon = false;
                var i = 1;
                while (i < span.Length)
                {
                    var b = span[i];
                    if ((_nameClass[b] & 2) != 0)
                    {
                        i++;
                        continue;
                    }
                    if (b == ':')
                    {
                        if (i + 1 >= span.Length) break; // need the next byte
                        var next = span[i + 1];
                        if (next >= 0x80) return ReadAnyName(offset, out name);
                        if (colon || (_nameClass[next] & 1) == 0) throw Fallback("qualified name");
                        colon = true;
                        i += 2;
                        continue;
                    }
                    if (b >= 0x80) return ReadAnyName(offset, out name);
                    name = Atomise(span[..i], colon);
                    return offset + i;
                }
            }
            // The name may go on past the bytes read so far.
            if (!Fill()) throw Fallback("unexpected end in a name");
        }
    }

    /// <summary><see cref="ReadName"/> for names with non-ASCII characters (kept out of line: inlined, it slowed the ASCII loop).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadAnyName(int offset, out NameEntry name)
    {
        while (true)
        {
            var span = _buf.AsSpan(_pos + offset, _end - _pos - offset);
            var i = 0;
            var colon = false;
            var start = true;
            while (i < span.Length)
            {
                var b = span[i];
                if (b < 0x80)
                {
                    if ((_nameClass[b] & (start ? 1 : 2)) != 0)
                    {
                        i++;
                        start = false;
                        continue;
                    }
                    if (b == ':' && !start && !colon)
                    {
                        colon = true;
                        start = true;
                        i++;
                        continue;
                    }
                    if (start || b == ':') throw Fallback("name start or qualified name");
                    name = Atomise(span[..i], colon);
                    return offset + i;
                }
                var status = Rune.DecodeFromUtf8(span[i..], out var rune, out var consumed);
                if (status == OperationStatus.NeedMoreData) break;
                // Supplementary characters (surrogate pairs in XmlReader's terms) are left to XmlReader.
                if (status != OperationStatus.Done || rune.Value > 0xFFFF) throw Fallback("non-BMP or invalid name character");
                var c = (char)rune.Value;
                if (!(start ? XmlConvert.IsStartNCNameChar(c) : XmlConvert.IsNCNameChar(c))) throw Fallback("name character");
                i += consumed;
                start = false;
            }
            // The name may go on past the bytes read so far.
            if (!Fill()) throw Fallback("unexpected end in a name");
        }
    }

    private NameEntry Atomise(ReadOnlySpan<byte> bytes, bool qualified)
    {
        var slot = ((bytes.Length * 31) + (bytes[0] * 7) + (bytes[^1] * 3) + bytes[bytes.Length >> 1]) & 511;
        var entry = _cache[slot];
        if (entry is not null && SameName(bytes, entry.Key)) return entry;
        var raw = _names.Add(Encoding.UTF8.GetString(bytes));
        var colon = qualified ? raw.IndexOf(':', StringComparison.Ordinal) : -1;
        entry = colon < 0
            ? new NameEntry(bytes.ToArray(), raw, raw, _empty)
            : new NameEntry(bytes.ToArray(), raw, _names.Add(raw[(colon + 1)..]), _names.Add(raw[..colon]));
        _cache[slot] = entry;
        return entry;
    }

    private int SkipWhitespace(int offset)
    {
        while (IsWhitespace(ByteAt(offset))) offset++;
        return offset;
    }

    private int RequireWhitespace(int offset)
    {
        if (!IsWhitespace(ByteAt(offset))) throw Fallback("whitespace expected");
        return SkipWhitespace(offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWhitespace(int b) => b is ' ' or '\n' or '\t' or '\r';

    private void SkipComment()
    {
        // "<!--" … "--" must be followed by '>' ("--" inside a comment is an error).
        var dashes = Find("--"u8, 4);
        if (ByteAt(dashes + 2) != '>') throw Fallback("'--' inside a comment");
        CheckMarkupText(_buf.AsSpan(_pos + 4, dashes - 4));
        _pos += dashes + 3;
    }

    private void SkipProcessingInstruction()
    {
        var offset = ReadName(2, out var target);
        if (target.Raw.Length == 3 && target.Raw.Equals("xml", StringComparison.OrdinalIgnoreCase)) throw Fallback("XML declaration not at the start");
        if (target.Prefix.Length > 0) throw Fallback("qualified processing instruction target");
        if (ByteAt(offset) == '?' && ByteAt(offset + 1) == '>')
        {
            _pos += offset + 2;
            return;
        }
        if (!IsWhitespace(ByteAt(offset))) throw Fallback("processing instruction");
        var end = Find("?>"u8, offset);
        CheckMarkupText(_buf.AsSpan(_pos + offset, end - offset));
        _pos += end + 2;
    }

    /// <summary>Text that is skipped (comments, PIs) must still consist of legal characters.</summary>
    private static void CheckMarkupText(ReadOnlySpan<byte> text)
    {
        if (text.IndexOfAny(_controls) >= 0 || !Utf8.IsValid(text) || HasNonCharacter(text)) throw Fallback("illegal character");
    }

    private static bool HasNonCharacter(ReadOnlySpan<byte> text)
    {
        // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
        ReadOnlySpan<byte> lead = [0xEF, 0xBF];
        var from = 0;
        while (true)
        {
            var i = text[from..].IndexOf(lead);
            if (i < 0) return false;
            var at = from + i;
            if (at + 2 < text.Length && text[at + 2] is 0xBE or 0xBF) return true;
            from = at + 1;
        }
    }

    // ---- character data ----------------------------------------------------------------------------------------

    /// <summary>Reads character data up to the next '&lt;'; false when it was only whitespace (skipped, like XmlReader's IgnoreWhitespace).</summary>
    private bool ReadText()
    {
        var scanned = 0;
        var complex = false;
        var nonAscii = false;
        int length;
        while (true)
        {
            var span = _buf.AsSpan(_pos + scanned, _end - _pos - scanned);
            var i = IndexOfTextSpecial(span, ref nonAscii);
            if (i < 0)
            {
                scanned = _end - _pos;
                if (!Fill())
                {
                    if (_state == 3 && _buf.AsSpan(_pos, _end - _pos).IndexOfAnyExcept(_whitespace) < 0)
                    {
                        _pos = _end;
                        return false;
                    }
                    throw Fallback("unexpected end of the document");
                }
                continue;
            }
            var at = scanned + i;
            var b = _buf[_pos + at];
            if (b == '<')
            {
                length = at;
                break;
            }
            if (b == '&' || b == '\r')
            {
                complex = true;
            }
            else if (b == ']')
            {
                if (ByteAt(at + 1) == ']' && ByteAt(at + 2) == '>') throw Fallback("']]>' in text");
            }
            else
            {
                throw Fallback("control character");
            }
            scanned = at + 1;
        }

        var text = _buf.AsSpan(_pos, length);
        // Text that starts with a non-space character is not whitespace-only: most values end the check here.
        if (IsWhitespace(text[0]) && IsAllWhitespace(text))
        {
            _pos += length;
            return false;
        }
        if (_state != 2) throw Fallback("text outside the root element");
        if (!complex)
        {
            // Kept as bytes (valid until the next Read): the extractor copies them as they are.
            if (nonAscii) Validate(text);
            _rawStart = _pos;
            _rawLength = length;
            _value = null;
        }
        else
        {
            var value = DecodeComplex(text, attribute: false, out var hadReference);
            // A reference that yields only whitespace: whether XmlReader skips it is its business, not ours.
            if (hadReference && value.AsSpan().IndexOfAnyExcept(" \t\r\n") < 0) throw Fallback("whitespace from references");
            _value = value;
        }
        _pos += length;
        NodeType = XmlNodeType.Text;
        Depth = _open;
        _isTag = false;
        IsEmptyElement = false;
        return true;
    }

    /// <summary>Character data must be UTF-8 and XML characters (U+FFFE/U+FFFF are not).</summary>
    private static void Validate(ReadOnlySpan<byte> bytes)
    {
        if (!IsAscii(bytes) && (!Utf8.IsValid(bytes) || HasNonCharacter(bytes))) throw Fallback("invalid UTF-8 or character");
    }

    /// <summary><see cref="Ascii.IsValid(ReadOnlySpan{byte})"/> with a scalar loop for short values (no call, no vector set-up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAscii(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 32) return Ascii.IsValid(bytes);
        var any = 0;
        foreach (var b in bytes) any |= b;
        return any < 0x80;
    }

    private static bool IsAllWhitespace(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 32) return bytes.IndexOfAnyExcept(_whitespace) < 0;
        foreach (var b in bytes)
        {
            if (!IsWhitespace(b)) return false;
        }
        return true;
    }

    /// <summary>Appends the current text or CDATA node's value, as UTF-8, to <paramref name="buffer"/>.</summary>
    public void AppendValueUtf8(ref byte[] buffer, ref int length)
    {
        if (_value is null)
        {
            var raw = _buf.AsSpan(_rawStart, _rawLength);
            if (buffer.Length - length < raw.Length) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + raw.Length));
            raw.CopyTo(buffer.AsSpan(length));
            length += raw.Length;
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(_value.Length);
        if (buffer.Length - length < max) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + max));
        length += Encoding.UTF8.GetBytes(_value, buffer.AsSpan(length));
    }

    private void ReadCData()
    {
        const int open = 9; // "<![CDATA["
        var end = Find("]]>"u8, open);
        var content = _buf.AsSpan(_pos + open, end - open);
        if (content.IndexOfAny(_controls) >= 0) throw Fallback("control character");
        if (content.IndexOf((byte)'\r') >= 0)
        {
            _value = DecodeComplex(content, attribute: false, out _, cdata: true);
        }
        else
        {
            Validate(content);
            _rawStart = _pos + open;
            _rawLength = end - open;
            _value = null;
        }
        _isTag = false;
        _pos += end + 3;
        NodeType = XmlNodeType.CDATA;
        Depth = _open;
        IsEmptyElement = false;
    }

    /// <summary>Reads an attribute value after its opening quote; returns the offset after the closing quote.</summary>
    private int ReadAttributeValue(int offset, byte quote, out string value)
    {
        var specials = quote == '"' ? _dquoteSpecials : _squoteSpecials;
        var table = quote == '"' ? _dquoteTable : _squoteTable;
        var start = offset;
        var scanned = offset;
        var complex = false;
        while (true)
        {
            var span = _buf.AsSpan(_pos + scanned, _end - _pos - scanned);
            var i = IndexOfSpecial(span, table, specials);
            if (i < 0)
            {
                scanned = _end - _pos;
                if (!Fill()) throw Fallback("unterminated attribute value");
                continue;
            }
            var at = scanned + i;
            var b = _buf[_pos + at];
            if (b == quote)
            {
                var raw = _buf.AsSpan(_pos + start, at - start);
                value = complex ? DecodeComplex(raw, attribute: true, out _) : Decode(raw);
                return at + 1;
            }
            if (b is (byte)'&' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                complex = true;
                scanned = at + 1;
                continue;
            }
            throw Fallback(b == '<' ? "'<' in an attribute value" : "control character");
        }
    }

    /// <summary>Strict UTF-8 → string (no references, no CR), in one transcoding pass.</summary>
    private string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "";
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        if (Utf8.ToUtf16(bytes, _chars, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            throw Fallback("invalid UTF-8");
        var chars = _chars.AsSpan(0, written);
        if (written != bytes.Length && chars.IndexOfAny('\uFFFE', '\uFFFF') >= 0) throw Fallback("illegal character");
        return new string(chars);
    }

    /// <summary>
    /// Decodes character data with references and/or CR: CRLF and lone CR become LF; in attribute values tab, LF
    /// and CR (after that) become spaces — but characters written as references stay as they are.
    /// </summary>
    private string DecodeComplex(ReadOnlySpan<byte> bytes, bool attribute, out bool hadReference, bool cdata = false)
    {
        hadReference = false;
        // Every byte yields at most one char (a reference to a supplementary character is ≥ 9 bytes for 2 chars).
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        var stops = cdata ? _cdataStops : attribute ? _attributeStops : _textStops;
        var length = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var run = bytes[i..];
            var stop = run.IndexOfAny(stops);
            var plain = stop < 0 ? run : run[..stop];
            if (!plain.IsEmpty)
            {
                length += DecodeInto(plain, length);
                i += plain.Length;
                if (stop < 0) break;
            }
            var b = bytes[i];
            if (b == '\r')
            {
                _chars[length++] = attribute ? ' ' : '\n';
                i += i + 1 < bytes.Length && bytes[i + 1] == '\n' ? 2 : 1;
            }
            else if (b is (byte)'\n' or (byte)'\t')
            {
                _chars[length++] = ' ';
                i++;
            }
            else
            {
                hadReference = true;
                i = ReadReference(bytes, i, ref length);
            }
        }
        return new string(_chars, 0, length);
    }

    private int DecodeInto(ReadOnlySpan<byte> bytes, int at)
    {
        var target = _chars.AsSpan(at);
        if (Utf8.ToUtf16(bytes, target, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            throw Fallback("invalid UTF-8");
        if (written != bytes.Length && target[..written].IndexOfAny('\uFFFE', '\uFFFF') >= 0) throw Fallback("illegal character");
        return written;
    }

    /// <summary>Expands the reference at <paramref name="i"/> ('&amp;') into <see cref="_chars"/>; returns the index after its ';'.</summary>
    private int ReadReference(ReadOnlySpan<byte> bytes, int i, ref int length)
    {
        var semicolon = bytes[i..].IndexOf((byte)';');
        if (semicolon < 2 || semicolon > 12) throw Fallback("malformed reference");
        var name = bytes.Slice(i + 1, semicolon - 1);
        if (name[0] == '#')
        {
            var value = 0;
            var digits = name[1..];
            var hex = !digits.IsEmpty && digits[0] == 'x';
            if (hex) digits = digits[1..];
            if (digits.IsEmpty || digits.Length > 8) throw Fallback("malformed character reference");
            foreach (var d in digits)
            {
                int v;
                if (d is >= (byte)'0' and <= (byte)'9') v = d - '0';
                else if (hex && d is >= (byte)'a' and <= (byte)'f') v = d - 'a' + 10;
                else if (hex && d is >= (byte)'A' and <= (byte)'F') v = d - 'A' + 10;
                else throw Fallback("malformed character reference");
                value = (value * (hex ? 16 : 10)) + v;
            }
            var legal = value is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);
            if (!legal) throw Fallback("illegal character reference");
            if (value > 0xFFFF)
            {
                value -= 0x10000;
                _chars[length++] = (char)(0xD800 + (value >> 10));
                _chars[length++] = (char)(0xDC00 + (value & 0x3FF));
            }
            else
            {
                _chars[length++] = (char)value;
            }
        }
        else
        {
            _chars[length++] = name switch
            {
                _ when name.SequenceEqual("lt"u8) => '<',
                _ when name.SequenceEqual("gt"u8) => '>',
                _ when name.SequenceEqual("amp"u8) => '&',
                _ when name.SequenceEqual("quot"u8) => '"',
                _ when name.SequenceEqual("apos"u8) => '\'',
                _ => throw Fallback("entity reference"),
            };
        }
        return i + semicolon + 1;
    }

    private static XmlFallbackException Fallback(string reason) => new(reason);

    /// <summary>Byte equality for names (mostly 4–16 bytes): two overlapping loads instead of a call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SameName(ReadOnlySpan<byte> bytes, byte[] key)
    {
        var length = bytes.Length;
        if (length != key.Length) return false;
        ref var a = ref MemoryMarshal.GetReference(bytes);
        ref var b = ref MemoryMarshal.GetArrayDataReference(key);
        if (length < 8)
        {
            if (length < 4) return bytes.SequenceEqual(key);
            return Unsafe.ReadUnaligned<uint>(ref a) == Unsafe.ReadUnaligned<uint>(ref b)
                && Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref a, length - 4)) == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, length - 4));
        }
        if (length > 16) return bytes.SequenceEqual(key);
        return Unsafe.ReadUnaligned<ulong>(ref a) == Unsafe.ReadUnaligned<ulong>(ref b)
            && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, length - 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, length - 8));
    }

    /// <summary>
    /// <c>span.IndexOfAny(values)</c>, but the first bytes are checked one by one against <paramref name="table"/>:
    /// most values and indentation runs are shorter than that, and the vectorised search costs more to set up than
    /// it saves on them (~13 % of a native conversion's time went to its entry).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfSpecial(ReadOnlySpan<byte> span, byte[] table, SearchValues<byte> values)
    {
        const int Scalar = 32;
        ref var start = ref MemoryMarshal.GetReference(span);
        ref var lookup = ref MemoryMarshal.GetArrayDataReference(table);
        var n = Math.Min(span.Length, Scalar);
        for (var i = 0; i < n; i++)
        {
            if (Unsafe.Add(ref lookup, Unsafe.Add(ref start, i)) != 0) return i;
        }
        if (span.Length <= Scalar) return -1;
        var j = span[Scalar..].IndexOfAny(values);
        return j < 0 ? -1 : Scalar + j;
    }

    /// <summary>
    /// Offset of the first byte of <see cref="_textSpecials"/> in <paramref name="span"/> (or -1), 16 bytes at a time;
    /// sets <paramref name="nonAscii"/> when a byte before it is ≥ 0x80 (ASCII text needs no UTF-8 validation).
    /// Inline vector compares instead of <c>IndexOfAny</c>: values are short and its entry cost dominated.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfTextSpecial(ReadOnlySpan<byte> span, ref bool nonAscii)
    {
        ref var start = ref MemoryMarshal.GetReference(span);
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var lt = Vector128.Create((byte)'<');
            var amp = Vector128.Create((byte)'&');
            var bracket = Vector128.Create((byte)']');
            var space = Vector128.Create((byte)0x20);
            var tab = Vector128.Create((byte)'\t');
            var lf = Vector128.Create((byte)'\n');
            for (; i + 16 <= span.Length; i += 16)
            {
                var v = Vector128.LoadUnsafe(ref start, (nuint)i);
                // '<', '&', ']', and every byte below 0x20 except tab and LF (so CR and the illegal controls).
                var special = Vector128.Equals(v, lt) | Vector128.Equals(v, amp) | Vector128.Equals(v, bracket)
                    | Vector128.AndNot(Vector128.LessThan(v, space), Vector128.Equals(v, tab) | Vector128.Equals(v, lf));
                var high = v.ExtractMostSignificantBits();
                var mask = special.ExtractMostSignificantBits();
                if (mask != 0)
                {
                    var at = BitOperations.TrailingZeroCount(mask);
                    if ((high & ((1u << at) - 1)) != 0) nonAscii = true;
                    return i + at;
                }
                if (high != 0) nonAscii = true;
            }
        }
        ref var lookup = ref MemoryMarshal.GetArrayDataReference(_textTable);
        for (; i < span.Length; i++)
        {
            var b = Unsafe.Add(ref start, i);
            if (Unsafe.Add(ref lookup, b) != 0) return i;
            if (b >= 0x80) nonAscii = true;
        }
        return -1;
    }

    private static byte[] Table(SearchValues<byte> values)
    {
        var table = new byte[256];
        for (var b = 0; b < 256; b++) table[b] = values.Contains((byte)b) ? (byte)1 : (byte)0;
        return table;
    }

    private static byte[] BuildNameClass()
    {
        var table = new byte[256];
        for (var c = 'a'; c <= 'z'; c++) table[c] = 3;
        for (var c = 'A'; c <= 'Z'; c++) table[c] = 3;
        table['_'] = 3;
        for (var c = '0'; c <= '9'; c++) table[c] = 2;
        table['.'] = 2;
        table['-'] = 2;
        return table;
    }

    /// <summary>A name as read: its bytes, the atomised qualified name, local name and prefix.</summary>
    private sealed class NameEntry(byte[] key, string raw, string local, string prefix)
    {
        public byte[] Key { get; } = key;
        public string Raw { get; } = raw;
        public string Local { get; } = local;
        public string Prefix { get; } = prefix;
    }

    private struct Attribute
    {
        public NameEntry Name;
        public string Value;
        public string? Namespace;
    }
}
