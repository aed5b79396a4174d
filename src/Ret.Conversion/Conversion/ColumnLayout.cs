using System.Text;

namespace Ret.Conversion.Conversion;

/// <summary>A column of a group's table, with its place in the output once the layout is resolved.</summary>
internal sealed class GlobalColumn(string key, ColumnSegment[] segments, bool isContext)
{
    public string Key { get; } = key;
    public ColumnSegment[] Segments { get; } = segments;
    public bool IsContext { get; } = isContext;
    /// <summary>Output table (0 = the record table).</summary>
    public int Table { get; set; }
    /// <summary>Position in the output table's row.</summary>
    public int Position { get; set; }
    /// <summary>Relational mode: which child-row instance of its table (index into <see cref="OutputTable.Instances"/>).</summary>
    public int Instance { get; set; }
}

internal enum OutputTableKind
{
    Records,
    Child,
    Context,
}

/// <summary>The header and shape of one output table.</summary>
internal sealed class OutputTable(string name, OutputTableKind kind, int parent)
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _instanceIds = new(StringComparer.Ordinal);

    public string Name { get; } = name;
    public OutputTableKind Kind { get; } = kind;
    /// <summary>Parent table index (-1 for the record and context tables).</summary>
    public int Parent { get; } = parent;
    public List<string> Columns { get; } = [];
    /// <summary>Child tables: occurrence indices of each instance (<c>[2]</c> = second Line, <c>[2,1]</c> = its first Tax).</summary>
    public List<int[]> Instances { get; } = [];
    /// <summary>Child tables: sort rank of each instance (document order).</summary>
    public int[] InstanceRank { get; set; } = [];
    /// <summary>Child tables: the parent table's instance of each instance (-1 when the parent is the record).</summary>
    public List<int> ParentInstance { get; } = [];
    /// <summary>Child tables: column position by structural key relative to the table's element.</summary>
    public Dictionary<string, int> ColumnByKey { get; } = new(StringComparer.Ordinal);

    public int AddColumn(string preferred, Func<string>? qualified = null)
    {
        var name = preferred;
        if (_names.Contains(name) && qualified is not null) name = qualified();
        for (var n = 2; _names.Contains(name); n++) name = $"{preferred}~{n}";
        _names.Add(name);
        Columns.Add(name);
        return Columns.Count - 1;
    }

    public int InstanceId(int[] indices)
    {
        var key = string.Join('.', indices);
        if (!_instanceIds.TryGetValue(key, out var id))
        {
            id = Instances.Count;
            Instances.Add(indices);
            _instanceIds.Add(key, id);
        }
        return id;
    }
}

/// <summary>
/// The column layout of one table of a group: the union of its files' columns in first-seen document order
/// (files in walk order), named once the whole group is known (docs/decisions/0103):
/// an element that ever repeats under one parent is numbered everywhere (<c>Line[1].Sku</c>) in wide mode,
/// or becomes a child table in relational mode. Namespace prefixes are dropped; a name collision is solved
/// with the prefix (<c>jats:title</c>) and then a <c>~2</c> suffix.
/// </summary>
internal sealed class ColumnLayout
{
    public const string SourceFileColumn = "source_file";
    public const string RecordIdColumn = "record_id";
    public const string ParentIdColumn = "parent_id";
    public const string IdColumn = "id";
    public const string ContextIdColumn = "context_id";

    private readonly List<GlobalColumn> _columns = [];
    private readonly Dictionary<string, GlobalColumn> _byKey = new(StringComparer.Ordinal);
    private HashSet<string> _repeating = [];
    private string _recordName = "";

    public IReadOnlyList<GlobalColumn> Columns => _columns;

    public List<OutputTable> Tables { get; } = [];

    /// <summary>Relational mode: position of the natural id column in the record table, or -1.</summary>
    public int NaturalIdPosition { get; private set; } = -1;

    public int SourceFilePosition { get; private set; } = -1;

    public int ContextIdPosition { get; private set; } = -1;

    public int ContextTable { get; private set; } = -1;

    /// <summary>Adds a file's columns (in its first-seen order) and returns its local id → column map.</summary>
    public GlobalColumn[] Add(IReadOnlyList<LocalColumn> columns)
    {
        var map = new GlobalColumn[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var local = columns[i];
            if (!_byKey.TryGetValue(local.Key, out var global))
            {
                global = new GlobalColumn(local.Key, local.Segments, local.IsContext);
                _byKey.Add(local.Key, global);
                _columns.Add(global);
            }
            map[i] = global;
        }
        return map;
    }

    /// <summary>Names every column and builds the output tables.</summary>
    public void Resolve(string tableName, string recordName, RepeatMode mode, ContextMode context, bool includeSourceFile)
    {
        _repeating = FindRepeating();
        _recordName = recordName;
        var main = new OutputTable(tableName, OutputTableKind.Records, -1);
        Tables.Add(main);
        if (mode == RepeatMode.Relational) main.AddColumn(RecordIdColumn);
        if (includeSourceFile) SourceFilePosition = main.AddColumn(SourceFileColumn);
        if (context == ContextMode.Table)
        {
            ContextIdPosition = main.AddColumn(ContextIdColumn);
            var table = new OutputTable(tableName + ".context", OutputTableKind.Context, -1);
            table.AddColumn(ContextIdColumn);
            if (includeSourceFile) table.AddColumn(SourceFileColumn);
            ContextTable = Tables.Count;
            Tables.Add(table);
        }

        var childTables = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var column in _columns)
        {
            var segments = column.Segments;
            if (column.IsContext)
            {
                column.Table = context == ContextMode.Table ? ContextTable : 0;
                column.Position = Tables[column.Table].AddColumn(Name(segments, 0, true, false), () => Name(segments, 0, true, true));
                continue;
            }
            var split = mode == RepeatMode.Relational ? LastRepeatingElement(segments) : -1;
            if (split < 0)
            {
                column.Table = 0;
                column.Position = main.AddColumn(Name(segments, 0, false, false), () => Name(segments, 0, false, true));
                continue;
            }
            column.Table = ChildTable(segments, split, tableName, childTables);
            var child = Tables[column.Table];
            column.Instance = child.InstanceId(InstanceIndices(segments, split));
            // Line#1/Sku and Line#2/Sku are one column of the Line table.
            var relativeKey = RelativeKey(segments, split + 1);
            if (!child.ColumnByKey.TryGetValue(relativeKey, out var position))
            {
                position = child.AddColumn(Name(segments, split + 1, false, false), () => Name(segments, split + 1, false, true));
                child.ColumnByKey.Add(relativeKey, position);
            }
            column.Position = position;
        }

        // Every child instance needs its parent's row, even when the parent holds no value of its own.
        for (var t = Tables.Count - 1; t >= 0; t--)
        {
            var table = Tables[t];
            if (table.Kind != OutputTableKind.Child) continue;
            for (var i = 0; i < table.Instances.Count; i++)
            {
                var indices = table.Instances[i];
                var parentInstance = table.Parent > 0 && indices.Length > 1 ? Tables[table.Parent].InstanceId(indices[..^1]) : -1;
                table.ParentInstance.Add(parentInstance);
            }
        }

        foreach (var table in Tables)
        {
            var order = Enumerable.Range(0, table.Instances.Count)
                .OrderBy(i => table.Instances[i], Comparer<int[]>.Create(CompareIndices)).ToArray();
            table.InstanceRank = new int[order.Length];
            for (var rank = 0; rank < order.Length; rank++) table.InstanceRank[order[rank]] = rank;
        }

        if (mode == RepeatMode.Relational) NaturalIdPosition = FindNaturalId(main, recordName);
    }

    /// <summary>Element paths (without indices) that occur more than once under one parent somewhere in the group.</summary>
    private HashSet<string> FindRepeating()
    {
        var repeating = new HashSet<string>(StringComparer.Ordinal);
        foreach (var column in _columns)
        {
            for (var i = 0; i < column.Segments.Length; i++)
            {
                if (column.Segments[i].Kind == NodeKind.Element && column.Segments[i].Index >= 2)
                    repeating.Add(IndexlessKey(column, i));
            }
        }
        return repeating;
    }

    private bool IsRepeating(ColumnSegment[] segments, bool isContext, int i) =>
        segments[i].Kind == NodeKind.Element && _repeating.Contains(IndexlessKey(segments, isContext, i));

    private static string IndexlessKey(GlobalColumn column, int through) => IndexlessKey(column.Segments, column.IsContext, through);

    private static string IndexlessKey(ColumnSegment[] segments, bool isContext, int through)
    {
        var sb = new StringBuilder(isContext ? "c" : "r");
        for (var i = 0; i <= through; i++) sb.Append('/').Append(segments[i].Namespace).Append(segments[i].LocalName);
        return sb.ToString();
    }

    private static string RelativeKey(ColumnSegment[] segments, int start)
    {
        var sb = new StringBuilder();
        for (var i = start; i < segments.Length; i++)
        {
            sb.Append(segments[i].Kind == NodeKind.Attribute ? '@' : '/').Append(segments[i].Namespace).Append(segments[i].LocalName);
            if (segments[i].Kind == NodeKind.Element) sb.Append('#').Append(segments[i].Index);
        }
        return sb.ToString();
    }

    private int LastRepeatingElement(ColumnSegment[] segments)
    {
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            if (IsRepeating(segments, false, i)) return i;
        }
        return -1;
    }

    private int[] InstanceIndices(ColumnSegment[] segments, int through)
    {
        var indices = new List<int>();
        for (var i = 0; i <= through; i++)
        {
            if (IsRepeating(segments, false, i)) indices.Add(segments[i].Index);
        }
        return [.. indices];
    }

    /// <summary>The child table of the repeating element ending at <paramref name="split"/> (parents created first).</summary>
    private int ChildTable(ColumnSegment[] segments, int split, string tableName, Dictionary<string, int> childTables)
    {
        var key = IndexlessKey(segments, false, split);
        if (childTables.TryGetValue(key, out var existing)) return existing;
        var parent = 0;
        for (var i = split - 1; i >= 0; i--)
        {
            if (IsRepeating(segments, false, i))
            {
                parent = ChildTable(segments, i, tableName, childTables);
                break;
            }
        }
        var name = new StringBuilder(tableName);
        for (var i = 0; i <= split; i++) name.Append('.').Append(segments[i].LocalName);
        var table = new OutputTable(name.ToString(), OutputTableKind.Child, parent);
        table.AddColumn(RecordIdColumn);
        table.AddColumn(ParentIdColumn);
        table.AddColumn(IdColumn);
        childTables.Add(key, Tables.Count);
        Tables.Add(table);
        return Tables.Count - 1;
    }

    /// <summary>Display name: elements joined by dots, attributes as <c>@name</c>, numbered repeats, <c>#text</c> for the element's own text.</summary>
    private string Name(ColumnSegment[] segments, int start, bool isContext, bool qualified)
    {
        var sb = new StringBuilder();
        for (var i = start; i < segments.Length; i++)
        {
            var segment = segments[i];
            var local = qualified && segment.Prefix.Length > 0 ? $"{segment.Prefix}:{segment.LocalName}" : segment.LocalName;
            if (segment.Kind == NodeKind.Attribute)
            {
                sb.Append('@').Append(local);
                continue;
            }
            if (sb.Length > 0) sb.Append('.');
            sb.Append(local);
            if (IsRepeating(segments, isContext, i)) sb.Append('[').Append(segment.Index).Append(']');
        }
        if (sb.Length == 0) return "#text";
        // An attribute of the row's own element is named after that element (journal_article@type), so no
        // header starts with '@', which spreadsheets treat as a formula.
        if (sb[0] == '@') sb.Insert(0, start == 0 ? _recordName : segments[start - 1].LocalName);
        return sb.ToString();
    }

    private static int CompareIndices(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = a[i].CompareTo(b[i]);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>A record-table column that looks like the record's own id (<c>{record}@id</c>, <c>id</c>, <c>{record}Id</c>, <c>{record}_id</c>).</summary>
    private int FindNaturalId(OutputTable main, string recordName)
    {
        string[] candidates = [$"{recordName}@id", "id", $"{recordName}@{recordName}Id", $"{recordName}Id", $"{recordName}_id", $"{recordName}@{recordName}_id"];
        foreach (var candidate in candidates)
        {
            foreach (var column in _columns)
            {
                if (!column.IsContext && column.Table == 0 && string.Equals(main.Columns[column.Position], candidate, StringComparison.OrdinalIgnoreCase))
                    return column.Position;
            }
        }
        return -1;
    }
}
