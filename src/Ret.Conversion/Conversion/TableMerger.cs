using System.Text;
using Ret.Conversion.Output;

namespace Ret.Conversion.Conversion;

/// <summary>Files of one output table, in walk order, with their extraction results.</summary>
internal sealed class TableJob(string group, string name, string recordName, IReadOnlyList<FileExtraction> files)
{
    public string Group { get; } = group;
    public string Name { get; } = name;
    public string RecordName { get; } = recordName;
    public IReadOnlyList<FileExtraction> Files { get; } = files;
}

/// <summary>What the merge wrote for one file.</summary>
internal readonly record struct FileWritten(long Rows, long Values);

/// <summary>
/// Second half of a conversion: builds the group layout from the files' local columns, then replays every
/// spill in file order into the output table writers. Only bytes are copied; nothing is parsed again.
/// </summary>
internal sealed class TableMerger
{
    private readonly TableJob _job;
    private readonly ConvertOptions _options;
    private readonly ValueClassifier _classifier;
    private readonly ColumnLayout _layout = new();
    private readonly Action<long>? _onRows;

    public TableMerger(TableJob job, ConvertOptions options, Action<long>? onRows)
    {
        _job = job;
        _options = options;
        _onRows = onRows;
        _classifier = new ValueClassifier(options.Delimiter);
    }

    public ColumnLayout Layout => _layout;

    public string RecordName => _job.RecordName;

    private readonly List<(FileExtraction File, GlobalColumn[] Map)> _maps = [];

    /// <summary>Builds the layout from the files' columns, in file order (cheap; no spill is read).</summary>
    public void Prepare()
    {
        foreach (var file in _job.Files)
        {
            if (file.Error is null && file.SpillPath is not null) _maps.Add((file, _layout.Add(file.Columns)));
        }
        _layout.Resolve(_job.Name, _job.RecordName, _options.Mode, _options.Context, _options.IncludeSourceFile);
    }

    /// <summary>Merges into writers created by <paramref name="createWriter"/> (one per output table, in table order).</summary>
    public Dictionary<FileExtraction, FileWritten> Run(Func<OutputTable, ITableWriter> createWriter, CancellationToken ct)
    {
        var maps = _maps;
        var writers = new ITableWriter[_layout.Tables.Count];
        try
        {
            for (var t = 0; t < writers.Length; t++)
            {
                writers[t] = createWriter(_layout.Tables[t]);
                writers[t].WriteHeader(_layout.Tables[t].Columns);
            }
            var state = new MergeState(_layout, writers);
            var written = new Dictionary<FileExtraction, FileWritten>();
            for (var f = 0; f < maps.Count; f++)
            {
                var (file, map) = maps[f];
                written[file] = MergeFile(state, f + 1, file, map, ct);
            }
            foreach (var writer in writers) writer.Complete();
            return written;
        }
        finally
        {
            foreach (var writer in writers) writer?.Dispose();
        }
    }

    /// <summary>Reusable row buffers for all tables of the job.</summary>
    private sealed class MergeState(ColumnLayout layout, ITableWriter[] writers)
    {
        public ColumnLayout Layout { get; } = layout;
        public ITableWriter[] Writers { get; } = writers;
        public Cell[][] Rows { get; } = layout.Tables.Select(t => new Cell[t.Columns.Count]).ToArray();
        public long RecordOrdinal { get; set; }
        public Dictionary<long, Cell[]> Children { get; } = [];
        public Stack<Cell[]>[] Pool { get; } = layout.Tables.Select(_ => new Stack<Cell[]>()).ToArray();
    }

    private FileWritten MergeFile(MergeState state, int fileNumber, FileExtraction file, GlobalColumn[] map, CancellationToken ct)
    {
        var layout = state.Layout;
        var main = state.Rows[0];
        var source = layout.SourceFilePosition >= 0 ? Cell.FromString(file.Path, _classifier) : default;

        // Trailer values (context never attached to a record) go on every row of the file.
        var trailer = new List<(GlobalColumn Column, Cell Cell)>();
        long values = 0;
        foreach (var t in file.Trailer)
        {
            trailer.Add((map[t.ColumnId], Cell.FromString(t.Value, _classifier) with { Flags = _classifier.Classify(t.Value) | (t.IsValue ? CellFlags.IsValue : 0) }));
            if (t.IsValue) values++;
        }

        var context = new List<(GlobalColumn Column, Cell Cell)>();
        byte[] contextBytes = [];
        var contextNumber = 0;
        Cell contextId = default;
        var contextPending = false;
        long rows = 0;

        using var reader = new SpillReader(file.SpillPath!);
        while (reader.Next(out var tag, out var buffer, out var offset, out var length))
        {
            if (tag == SpillWriter.ContextTag)
            {
                contextBytes = buffer.AsSpan(offset, length).ToArray();
                context.Clear();
                ParseCells(contextBytes, 0, contextBytes.Length, map, context);
                contextPending = true;
                if (layout.ContextTable >= 0)
                {
                    contextId = WriteContextRow(state, fileNumber, ++contextNumber, source, context, trailer);
                    values += CountValues(context);
                    contextPending = false;
                }
                continue;
            }

            if (layout.ContextTable >= 0 && contextNumber == 0 && trailer.Count > 0)
                contextId = WriteContextRow(state, fileNumber, ++contextNumber, source, context, trailer);
            if (contextPending)
            {
                values += CountValues(context);
                contextPending = false;
            }

            Array.Clear(main);
            if (layout.SourceFilePosition >= 0) main[layout.SourceFilePosition] = source;
            if (layout.ContextIdPosition >= 0) main[layout.ContextIdPosition] = contextId;
            if (layout.ContextTable < 0)
            {
                foreach (var (column, cell) in trailer) main[column.Position] = cell;
                foreach (var (column, cell) in context) main[column.Position] = cell;
            }

            values += _options.Mode == RepeatMode.Wide
                ? FillWide(main, buffer, offset, length, map)
                : WriteRelational(state, buffer, offset, length, map);
            if (_options.Mode == RepeatMode.Wide) state.Writers[0].WriteRow(main);
            rows++;
            if ((rows & 0x3FFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                _onRows?.Invoke(0x4000);
            }
        }
        _onRows?.Invoke(rows & 0x3FFF);
        return new FileWritten(rows, values);
    }

    private static long FillWide(Cell[] row, byte[] buffer, int offset, int length, GlobalColumn[] map)
    {
        long values = 0;
        var position = offset;
        var end = offset + length;
        while (position < end)
        {
            var column = map[SpillReader.ReadCell(buffer, ref position, out var byteCount, out var flags)];
            row[column.Position] = new Cell { Buffer = buffer, Offset = position, Length = byteCount, Flags = flags };
            if ((flags & CellFlags.IsValue) != 0) values++;
            position += byteCount;
        }
        return values;
    }

    /// <summary>Relational mode: the record row plus one row per child instance, children in document order.</summary>
    private long WriteRelational(MergeState state, byte[] buffer, int offset, int length, GlobalColumn[] map)
    {
        var layout = state.Layout;
        var main = state.Rows[0];
        long values = 0;
        var children = state.Children;
        var position = offset;
        var end = offset + length;
        while (position < end)
        {
            var column = map[SpillReader.ReadCell(buffer, ref position, out var byteCount, out var flags)];
            var cell = new Cell { Buffer = buffer, Offset = position, Length = byteCount, Flags = flags };
            if ((cell.Flags & CellFlags.IsValue) != 0) values++;
            position += byteCount;
            if (column.Table == 0)
            {
                main[column.Position] = cell;
                continue;
            }
            var key = ((long)column.Table << 32) | (uint)column.Instance;
            if (!children.TryGetValue(key, out var childRow))
            {
                var pool = state.Pool[column.Table];
                childRow = pool.Count > 0 ? pool.Pop() : new Cell[layout.Tables[column.Table].Columns.Count];
                children.Add(key, childRow);
            }
            childRow[column.Position] = cell;
        }

        // Parent rows of nested child rows exist even when the parent element has no value of its own.
        if (children.Count > 0)
        {
            foreach (var key in children.Keys.ToArray())
            {
                var t = (int)(key >> 32);
                var instance = (int)key;
                while (layout.Tables[t].Kind == OutputTableKind.Child && layout.Tables[t].ParentInstance[instance] >= 0)
                {
                    var parentTable = layout.Tables[t].Parent;
                    instance = layout.Tables[t].ParentInstance[instance];
                    t = parentTable;
                    var parentKey = ((long)t << 32) | (uint)instance;
                    if (children.ContainsKey(parentKey)) break;
                    var pool = state.Pool[t];
                    children.Add(parentKey, pool.Count > 0 ? pool.Pop() : new Cell[layout.Tables[t].Columns.Count]);
                }
            }
        }

        var ordinal = ++state.RecordOrdinal;
        var natural = layout.NaturalIdPosition >= 0 ? main[layout.NaturalIdPosition] : default;
        var recordId = natural.Length > 0 ? Encoding.UTF8.GetString(natural.Bytes) : ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        main[0] = Cell.FromString(recordId, _classifier);
        state.Writers[0].WriteRow(main);

        if (children.Count == 0) return values;
        var keys = children.Keys.ToArray();
        Array.Sort(keys, (a, b) =>
        {
            var ta = (int)(a >> 32);
            var tb = (int)(b >> 32);
            if (ta != tb) return ta.CompareTo(tb);
            var table = layout.Tables[ta];
            return table.InstanceRank[(int)a].CompareTo(table.InstanceRank[(int)b]);
        });
        foreach (var key in keys)
        {
            var tableIndex = (int)(key >> 32);
            var table = layout.Tables[tableIndex];
            var indices = table.Instances[(int)key];
            var row = children[key];
            var id = recordId + "." + string.Join('.', indices);
            var parentId = indices.Length == 1 ? recordId : recordId + "." + string.Join('.', indices[..^1]);
            row[0] = Cell.FromString(recordId, _classifier);
            row[1] = Cell.FromString(parentId, _classifier);
            row[2] = Cell.FromString(id, _classifier);
            state.Writers[tableIndex].WriteRow(row);
            Array.Clear(row);
            state.Pool[tableIndex].Push(row);
        }
        children.Clear();
        return values;
    }

    private Cell WriteContextRow(MergeState state, int fileNumber, int contextNumber, Cell source,
        List<(GlobalColumn Column, Cell Cell)> context, List<(GlobalColumn Column, Cell Cell)> trailer)
    {
        var row = state.Rows[state.Layout.ContextTable];
        Array.Clear(row);
        var id = Cell.FromString(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{fileNumber}.{contextNumber}"), _classifier);
        row[0] = id;
        if (_options.IncludeSourceFile) row[1] = source;
        foreach (var (column, cell) in trailer) row[column.Position] = cell;
        foreach (var (column, cell) in context) row[column.Position] = cell;
        state.Writers[state.Layout.ContextTable].WriteRow(row);
        return id;
    }

    private static void ParseCells(byte[] buffer, int offset, int length, GlobalColumn[] map, List<(GlobalColumn, Cell)> target)
    {
        var position = offset;
        var end = offset + length;
        while (position < end)
        {
            var column = map[SpillReader.ReadCell(buffer, ref position, out var byteCount, out var flags)];
            target.Add((column, new Cell { Buffer = buffer, Offset = position, Length = byteCount, Flags = flags }));
            position += byteCount;
        }
    }

    private static long CountValues(List<(GlobalColumn Column, Cell Cell)> cells)
    {
        long values = 0;
        foreach (var (_, cell) in cells) if ((cell.Flags & CellFlags.IsValue) != 0) values++;
        return values;
    }
}
