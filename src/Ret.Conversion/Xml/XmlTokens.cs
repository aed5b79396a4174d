using System.Runtime.CompilerServices;
using System.Xml;
using Ret.Conversion.Safety;

namespace Ret.Conversion.Xml;

/// <summary>
/// The part of <see cref="XmlReader"/> the row extractor uses, so it can run over either reader. Implemented by
/// small structs: the extractor is generic over them and the JIT/AOT compiler specialises it per reader, so calls
/// are direct (no interface dispatch in the hot loop).
/// </summary>
internal interface IXmlTokens
{
    bool Read();
    XmlNodeType NodeType { get; }
    int Depth { get; }
    string LocalName { get; }
    string NamespaceURI { get; }
    string Prefix { get; }
    string Value { get; }
    bool HasAttributes { get; }
    bool IsEmptyElement { get; }
    bool MoveToNextAttribute();
    void MoveToElement();

    /// <summary>The encoding named by the XML declaration: XmlReader knows it while on its declaration node, the fast
    /// reader (which reports no declaration node) from its first node on.</summary>
    string? DeclaredEncoding { get; }

    /// <summary>Appends the current text or CDATA node's value, UTF-8 encoded, at <paramref name="length"/> in <paramref name="buffer"/> (grown as needed).</summary>
    void AppendValueUtf8(ref byte[] buffer, ref int length);

    /// <summary>The error for an element nested deeper than the cap, at the current position.</summary>
    Exception DepthError(SafetyLimits limits);
}

/// <summary><see cref="XmlReader"/> as <see cref="IXmlTokens"/>.</summary>
internal readonly struct ReaderTokens(XmlReader reader) : IXmlTokens
{
    public bool Read() => reader.Read();
    public XmlNodeType NodeType => reader.NodeType;
    public int Depth => reader.Depth;
    public string LocalName => reader.LocalName;
    public string NamespaceURI => reader.NamespaceURI;
    public string Prefix => reader.Prefix;
    public string Value => reader.Value;
    public bool HasAttributes => reader.HasAttributes;
    public bool IsEmptyElement => reader.IsEmptyElement;
    public bool MoveToNextAttribute() => reader.MoveToNextAttribute();
    public void MoveToElement() => reader.MoveToElement();
    public string? DeclaredEncoding => reader.NodeType == XmlNodeType.XmlDeclaration ? reader.GetAttribute("encoding") : null;
    public void AppendValueUtf8(ref byte[] buffer, ref int length)
    {
        var value = reader.Value;
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        if (buffer.Length - length < max) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + max));
        length += System.Text.Encoding.UTF8.GetBytes(value, buffer.AsSpan(length));
    }
    public Exception DepthError(SafetyLimits limits) => Scanning.RecordDetector.DepthError(reader, limits);
}

/// <summary><see cref="Utf8XmlReader"/> as <see cref="IXmlTokens"/>.</summary>
internal readonly struct FastTokens(Utf8XmlReader reader) : IXmlTokens
{
    public bool Read() => reader.Read();
    public XmlNodeType NodeType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.NodeType;
    }
    public int Depth
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.Depth;
    }
    public string LocalName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.LocalName;
    }
    public string NamespaceURI
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.NamespaceURI;
    }
    public string Prefix
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.Prefix;
    }
    public string Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.Value;
    }
    public bool HasAttributes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.HasAttributes;
    }
    public bool IsEmptyElement
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => reader.IsEmptyElement;
    }
    public bool MoveToNextAttribute() => reader.MoveToNextAttribute();
    public void MoveToElement() => reader.MoveToElement();
    public string? DeclaredEncoding => reader.DeclaredEncoding;
    public void AppendValueUtf8(ref byte[] buffer, ref int length) => reader.AppendValueUtf8(ref buffer, ref length);
    // The fast reader never reports errors itself: XmlReader re-reads the file and reports this one with its position.
    public Exception DepthError(SafetyLimits limits) => new XmlFallbackException("element depth cap");
}

/// <summary>
/// Thrown by <see cref="Utf8XmlReader"/> when the document uses something it does not handle itself (another
/// encoding, a DTD, an error, a rare construct). The caller discards what it produced from the document and reads
/// it again with <see cref="XmlReader"/>, which then either converts it or reports the error with its position.
/// </summary>
internal sealed class XmlFallbackException(string reason) : Exception($"Fast XML reader: {reason}; re-reading with XmlReader.")
{
    public string Reason { get; } = reason;
}
