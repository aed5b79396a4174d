using System.Runtime.CompilerServices;

namespace Ret.Conversion.Conversion;

internal enum NodeKind : byte
{
    Element,
    Attribute,
}

/// <summary>
/// A node of one file's path trie: an element occurrence (<c>Line</c> #2 under the record) or an attribute.
/// Names are atomised by the file's <see cref="System.Xml.NameTable"/>, so lookups compare references.
/// A node becomes a (local) column the first time a value is seen at it.
/// </summary>
internal sealed class PathNode
{
    private const int LinearLimit = 12;
    private PathNode[] _children = [];
    private int _childCount;
    private int _cursor;
    private Dictionary<ChildKey, PathNode>? _map;

    public PathNode(PathNode? parent, NodeKind kind, string localName, string ns, string prefix, int index, bool isContext)
    {
        Parent = parent;
        Kind = kind;
        LocalName = localName;
        Namespace = ns;
        Prefix = prefix;
        Index = index;
        IsContext = isContext;
    }

    public PathNode? Parent { get; }
    public NodeKind Kind { get; }
    public string LocalName { get; }
    public string Namespace { get; }
    public string Prefix { get; }
    /// <summary>1-based occurrence among same-named siblings (0 for attributes and trie roots).</summary>
    public int Index { get; }
    /// <summary>Outside the record (document-level context) rather than below it.</summary>
    public bool IsContext { get; }
    /// <summary>Local column id, or -1 while no value was seen here.</summary>
    public int ColumnId { get; set; } = -1;
    /// <summary>A context element that contained a record (its later same-named siblings reuse this node).</summary>
    public bool IsRecordAncestor { get; set; }

    /// <summary>Finds a child, or null. Children are usually met in the same order, so a cursor makes this O(1).</summary>
    public PathNode? FindChild(NodeKind kind, string localName, string ns, int index)
    {
        if (_map is not null)
        {
            return _map.TryGetValue(new ChildKey(localName, ns, index, kind), out var found) ? found : null;
        }

        for (var n = 0; n < _childCount; n++)
        {
            var i = _cursor + n;
            if (i >= _childCount) i -= _childCount;
            var child = _children[i];
            if (ReferenceEquals(child.LocalName, localName) && child.Index == index && child.Kind == kind
                && ReferenceEquals(child.Namespace, ns))
            {
                _cursor = i + 1 == _childCount ? 0 : i + 1;
                return child;
            }
        }
        return null;
    }

    /// <summary>Adds a child that <see cref="FindChild"/> did not find.</summary>
    public PathNode AddChild(NodeKind kind, string localName, string ns, int index, string prefix)
    {
        if (_map is null) return Add(kind, localName, ns, prefix, index);
        var added = new PathNode(this, kind, localName, ns, prefix, index, IsContext);
        _map.Add(new ChildKey(localName, ns, index, kind), added);
        return added;
    }

    private PathNode Add(NodeKind kind, string localName, string ns, string prefix, int index)
    {
        var node = new PathNode(this, kind, localName, ns, prefix, index, IsContext);
        if (_childCount == LinearLimit)
        {
            _map = new Dictionary<ChildKey, PathNode>(32);
            for (var i = 0; i < _childCount; i++)
            {
                var c = _children[i];
                _map.Add(new ChildKey(c.LocalName, c.Namespace, c.Index, c.Kind), c);
            }
            _map.Add(new ChildKey(localName, ns, index, kind), node);
            _children = [];
            _childCount = 0;
            return node;
        }
        if (_childCount == _children.Length) Array.Resize(ref _children, Math.Max(4, _childCount * 2));
        _children[_childCount++] = node;
        _cursor = 0;
        return node;
    }

    /// <summary>Key comparing atomised names by reference.</summary>
    private readonly struct ChildKey(string localName, string ns, int index, NodeKind kind) : IEquatable<ChildKey>
    {
        private readonly string _localName = localName;
        private readonly string _ns = ns;
        private readonly int _index = index;
        private readonly NodeKind _kind = kind;

        public bool Equals(ChildKey other) =>
            ReferenceEquals(_localName, other._localName) && ReferenceEquals(_ns, other._ns) && _index == other._index && _kind == other._kind;

        public override bool Equals(object? obj) => obj is ChildKey other && Equals(other);

        public override int GetHashCode() =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(_localName), RuntimeHelpers.GetHashCode(_ns), _index, _kind);
    }
}
