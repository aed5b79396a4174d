using System.Data.Common;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// The converted tables of one workspace session, in the session's DuckDB file: preview pages with server-side sort
/// and filters, atomic edit batches with a patch log and undo, original vs modified versions, streaming CSV/XLSX
/// export. Obtain it from <see cref="SessionTableStoreFactory.Open"/>; it is cheap and holds no connection.
/// <para>Storage: each table is <c>t_{guid}(__row_id BIGINT, c0 VARCHAR, …)</c> — real table and column names live only
/// in the <c>__tables</c> catalog, so user-supplied names never reach SQL; values always go as parameters.
/// <c>__row_id</c> is the 0-based original row number (added rows continue after the largest id ever given).
/// Tables are soft-deleted (undoable). The engine's CSV is never modified: it is the "original" version.</para>
/// </summary>
public sealed class SessionTableStore
{
    internal const string CatalogDdl = """
        CREATE TABLE IF NOT EXISTS __tables (
            physical VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            grp VARCHAR NOT NULL,
            columns VARCHAR NOT NULL,
            original_path VARCHAR,
            created VARCHAR NOT NULL,
            next_row_id BIGINT NOT NULL,
            edit_count INTEGER NOT NULL,
            data_version BIGINT NOT NULL,
            deleted_seq BIGINT,
            csv_delimiter VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS __touched (
            physical VARCHAR NOT NULL,
            row_id BIGINT NOT NULL
        );
        """;

    private const string CatalogColumns = "physical, name, grp, columns, original_path, created, next_row_id, edit_count, data_version, deleted_seq, csv_delimiter";
    private const int MaxNameLength = 200;

    private readonly SessionTableStoreFactory _factory;
    private readonly SessionDatabase _database;

    internal SessionTableStore(SessionTableStoreFactory factory, SessionDatabase database)
    {
        _factory = factory;
        _database = database;
    }

    /// <summary>The session's DuckDB file.</summary>
    public string DatabasePath => _database.Path;

    private TableStoreOptions Options => _factory.Options;

    // ---------------------------------------------------------------- import and catalog

    /// <summary>
    /// Loads an engine CSV (UTF-8, header row = column names, RFC 4180) as table <paramref name="tableName"/>: every
    /// value kept exactly as text, empty fields as empty strings, rows numbered 0.. in file order. When
    /// <paramref name="columns"/> is given the header must equal it. The CSV stays where it is, untouched, as the
    /// original version. With <paramref name="replaceExisting"/> a live table of the same name is replaced (after the
    /// new one loaded; not undoable), otherwise that is a conflict. The CSV must be written without formula
    /// neutralisation, or the <c>'</c> prefixes become part of the values.
    /// </summary>
    public async Task<TableResult<SessionTable>> ImportCsvAsync(string tableName, string group, string csvPath,
        IReadOnlyList<string>? columns = null, CsvImportOptions? options = null, bool replaceExisting = false,
        CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        CheckName(tableName, "table name", problems);
        CheckName(group, "group", problems);
        if (!File.Exists(csvPath)) problems.Add("The CSV file does not exist.");
        if (problems.Count > 0) return TableResult<SessionTable>.Fail(TableError.Invalid, problems);

        await _database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            using var connection = _factory.Connect(_database);
            var existing = LoadLive(connection, tableName);
            if (existing is not null && !replaceExisting) return TableResult<SessionTable>.Fail(TableError.Conflict, $"A table named '{tableName}' already exists.");

            var physical = NewPhysicalName();
            long rows;
            string[] header;
            var delimiter = (options ?? CsvImportOptions.Default).Delimiter;
            using (var reader = CsvRecordReader.Open(csvPath, delimiter))
            {
                string[]? first;
                try
                {
                    first = reader.Read();
                }
                catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
                {
                    return TableResult<SessionTable>.Fail(TableError.Invalid, $"The CSV file is not valid: {ex.Message}");
                }
                if (first is null) return TableResult<SessionTable>.Fail(TableError.Invalid, "The CSV file has no header row.");
                header = first;
                if (columns is not null && !columns.SequenceEqual(header, StringComparer.Ordinal))
                    return TableResult<SessionTable>.Fail(TableError.Invalid, "The CSV header differs from the expected columns.");

                Execute(connection, CreateTableSql(physical, header.Length));
                try
                {
                    // DuckDB's own CSV reader loads a well-formed file several times faster than row appends; any
                    // file it refuses goes through the appender, which names the exact problem (record number, width).
                    rows = BulkLoadWithinMemory(connection, tableName, physical, csvPath, header.Length, delimiter)
                        ?? Append(connection, physical, reader, header.Length, cancellationToken);
                    Execute(connection, CreateIndexSql(physical));
                    BuildRowIndex(physical, csvPath, delimiter, rows, cancellationToken);
                }
                catch (Exception ex)
                {
                    Execute(connection, $"DROP TABLE IF EXISTS {SqlIdentifier.Quote(physical)}");
                    DeleteRowIndex(physical);
                    if (ex is InvalidDataException or DecoderFallbackException)
                        return TableResult<SessionTable>.Fail(TableError.Invalid, $"The CSV file is not valid: {ex.Message}");
                    throw;
                }
            }

            var created = _factory.Clock.GetUtcNow();
            using (var transaction = connection.BeginTransaction())
            {
                if (existing is not null)
                {
                    Execute(connection, "DELETE FROM __tables WHERE physical = ?", existing.Physical);
                    Execute(connection, "DELETE FROM __touched WHERE physical = ?", existing.Physical);
                    Execute(connection, $"DROP TABLE {SqlIdentifier.Quote(existing.Physical)}");
                }
                Execute(connection, $"INSERT INTO __tables ({CatalogColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?)",
                    physical, tableName, group, JsonSerializer.Serialize(header), Path.GetFullPath(csvPath),
                    created.ToString("O", CultureInfo.InvariantCulture), rows, delimiter.ToString());
                transaction.Commit();
            }
            if (existing is not null) DeleteRowIndex(existing.Physical);
            return TableResult<SessionTable>.Ok(new SessionTable(tableName, group, header, rows, false, Path.GetFullPath(csvPath),
                new FileInfo(csvPath).Length, created));
        }
        finally
        {
            _database.WriteLock.Release();
        }
    }

    /// <summary>The row-offset index of a table's original CSV (<see cref="CsvRowIndex"/>), beside the database.</summary>
    private string RowIndexPath(string physical) => Path.Combine(Path.GetDirectoryName(_database.Path)!, physical + RowIndexExtension);

    /// <summary>The extension of row-offset index files, which live in the database's folder and move with it.</summary>
    public const string RowIndexExtension = ".rows";

    /// <summary>Indexes the CSV just loaded; the index is kept only if it counts the rows the store loaded (a file DuckDB
    /// read differently, e.g. with blank lines, is then served from the store alone). A failure only costs speed.</summary>
    private void BuildRowIndex(string physical, string csvPath, char delimiter, long rows, CancellationToken cancellationToken)
    {
        var path = RowIndexPath(physical);
        try
        {
            if (CsvRowIndex.Build(csvPath, delimiter, path, cancellationToken: cancellationToken) != rows) DeleteRowIndex(physical);
        }
        catch (IOException)
        {
            DeleteRowIndex(physical);
        }
    }

    private void DeleteRowIndex(string physical)
    {
        try
        {
            File.Delete(RowIndexPath(physical));
        }
        catch (IOException)
        {
            // a stale index is never used: it must match the CSV's length and the table's rows
        }
    }

    /// <summary>The CSV reader's buffer in a bulk load, and the longest line it accepts (DuckDB's default for the latter).</summary>
    internal const int BulkLoadBufferBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Loads the whole file with DuckDB's <c>read_csv</c> (header skipped, every column VARCHAR, strict RFC 4180, no type
    /// sniffing) in one <c>INSERT … SELECT</c>. Row ids are the record numbers: <c>row_number() OVER ()</c> runs as a
    /// streaming window, which DuckDB evaluates on a single thread in scan order (tests check the order on 200 000
    /// rows). Empty fields come back as NULL and are stored as empty strings, as the appender does. Returns null (nothing
    /// loaded: the statement is atomic) when DuckDB refuses the file.
    /// The reader's buffer is <see cref="BulkLoadBufferBytes"/> instead of DuckDB's default (16 × the longest line, 32 MiB):
    /// on the 70 MB, 305 000-row table of the end-to-end bench the load takes 1.65–1.72 s instead of 2.00–2.10 s and its
    /// process peaks 27 MB lower (bench/README.md, session 9). Lines up to DuckDB's default longest line (2 MiB) load as
    /// before; a longer one is refused as before and goes through the appender.
    /// </summary>
    private static long? TryBulkLoad(DuckDBConnection connection, string physical, string csvPath, int width, char delimiter)
    {
        var columns = string.Join(", ", Enumerable.Range(0, width).Select(i => $"'c{i.ToString(CultureInfo.InvariantCulture)}': 'VARCHAR'"));
        var copy = string.Join(", ", Enumerable.Range(0, width).Select(i => $"COALESCE({SqlIdentifier.Column(i)}, '')"));
        using var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO {SqlIdentifier.Quote(physical)} SELECT row_number() OVER () - 1, {copy} FROM read_csv(" +
            $"{SqlLiteral(Path.GetFullPath(csvPath))}, header = true, auto_detect = false, all_varchar = true, " +
            $"delim = {SqlLiteral(delimiter.ToString())}, quote = '\"', escape = '\"', strict_mode = true, null_padding = false, " +
            $"buffer_size = {BulkLoadBufferBytes}, max_line_size = {BulkLoadBufferBytes}, columns = {{{columns}}})";
        try
        {
            return insert.ExecuteNonQuery();
        }
        catch (DuckDBException ex) when (ex.ErrorType != DuckDBErrorType.OutOfMemory)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="TryBulkLoad"/> at the database's memory limit; a load that runs out of memory is retried with the limit
    /// doubled, up to <see cref="TableStoreOptions.LoadMemoryLimitMax"/>, and the limit is set back afterwards when
    /// DuckDB can give the memory back (rows of tables loaded before are not checkpointed yet and stay in memory, so it
    /// sometimes cannot; the next table then starts at the raised limit). DuckDB's insert holds buffers per column, so
    /// what a load needs grows with the table's width: a 35-column table of 305 000 rows loads at 32 MB, a 1 500-column
    /// one needs ~0.5 GB (measured, ADR 0401 amendment). The insert is one statement, so a failed attempt leaves the
    /// table empty.
    /// </summary>
    /// <exception cref="TableTooLargeException">The load needs more than the most it may be given.</exception>
    private long? BulkLoadWithinMemory(DuckDBConnection connection, string tableName, string physical, string csvPath, int width, char delimiter)
    {
        var limit = _database.MemoryLimitBytes;
        var max = Math.Max(limit, TableStoreOptions.ParseSize(_factory.Options.LoadMemoryLimitMax));
        try
        {
            while (true)
            {
                try
                {
                    return TryBulkLoad(connection, physical, csvPath, width, delimiter);
                }
                catch (DuckDBException ex) when (ex.ErrorType == DuckDBErrorType.OutOfMemory)
                {
                    if (limit >= max)
                    {
                        throw new TableTooLargeException(
                            $"Table {tableName} ({width.ToString(CultureInfo.InvariantCulture)} columns) needs more memory to prepare for preview and editing " +
                            $"than one table may use ({_factory.Options.LoadMemoryLimitMax}, Workspace:Tables:LoadMemoryLimitMax).", ex);
                    }

                    limit = Math.Min(limit * 2, max);
                    SetMemoryLimit(connection, limit);
                }
            }
        }
        finally
        {
            var configured = TableStoreOptions.ParseSize(_database.MemoryLimit);
            if (_database.MemoryLimitBytes != configured)
            {
                try
                {
                    SetMemoryLimit(connection, configured);
                }
                catch (DuckDBException)
                {
                    // "could not free up enough memory for the new limit": stays raised for the next table
                }
            }
        }
    }

    private void SetMemoryLimit(DuckDBConnection connection, long bytes)
    {
        Execute(connection, $"SET memory_limit = '{(bytes / 1024).ToString(CultureInfo.InvariantCulture)}KiB'");
        _database.MemoryLimitBytes = bytes;
    }

    /// <summary>The database's current DuckDB memory limit, as DuckDB prints it (for tests).</summary>
    internal string MemoryLimitSetting()
    {
        using var connection = _factory.Connect(_database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('memory_limit')";
        return (string)command.ExecuteScalar()!;
    }

    private static string SqlLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static long Append(DuckDBConnection connection, string physical, CsvRecordReader reader, int width, CancellationToken cancellationToken)
    {
        long id = 0;
        using var appender = connection.CreateAppender(physical);
        while (reader.Read() is { } record)
        {
            if (record.Length != width)
                throw new InvalidDataException($"Record {reader.RecordNumber} has {record.Length} fields; the header has {width}.");
            var row = appender.CreateRow();
            row.AppendValue(id);
            foreach (var value in record) row.AppendValue(value);
            row.EndRow();
            id++;
            if ((id & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        }
        appender.Close();
        return id;
    }

    /// <summary>The live tables (deleted ones left out), in creation order.</summary>
    public Task<IReadOnlyList<SessionTable>> ListTablesAsync(CancellationToken cancellationToken = default)
    {
        using var connection = _factory.Connect(_database);
        var list = new List<SessionTable>();
        foreach (var entry in LoadCatalog(connection, "deleted_seq IS NULL ORDER BY created, name"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            list.Add(ToTable(connection, entry));
        }
        return Task.FromResult<IReadOnlyList<SessionTable>>(list);
    }

    /// <summary>One live table, or null.</summary>
    public Task<SessionTable?> GetTableAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = _factory.Connect(_database);
        var entry = LoadLive(connection, name);
        return Task.FromResult(entry is null ? null : ToTable(connection, entry));
    }

    /// <summary>True when the table differs from its original (an edit applied and not undone, or added by an edit);
    /// null when there is no such table.</summary>
    public async Task<bool?> IsModifiedAsync(string name, CancellationToken cancellationToken = default) =>
        (await GetTableAsync(name, cancellationToken))?.Modified;

    // ---------------------------------------------------------------- preview

    /// <summary>
    /// One page in original order, or sorted by a column (ordinal text order, ties in original order), with
    /// case-insensitive "contains" filters (all must match). The ordered row ids of each view are cached, so every page
    /// of a view costs the same; the first request of a new sort/filter pays for computing them.
    /// </summary>
    public Task<TableResult<RowsPage>> GetPageAsync(string table, PageQuery query, CancellationToken cancellationToken = default)
    {
        using var connection = _factory.Connect(_database);
        // One snapshot for the catalog, the view and the rows, so a concurrent edit cannot mix versions.
        using var snapshot = connection.BeginTransaction();
        var entry = LoadLive(connection, table);
        if (entry is null) return Task.FromResult(TableResult<RowsPage>.Fail(TableError.NotFound, $"There is no table '{table}'."));

        var problems = new List<string>();
        if (query.Offset < 0) problems.Add("offset must be 0 or more.");
        if (query.Limit is < 1 or > PageQuery.MaxLimit) problems.Add($"limit must be between 1 and {PageQuery.MaxLimit}.");
        var sort = -1;
        if (query.SortColumn is not null && (sort = entry.IndexOf(query.SortColumn)) < 0) problems.Add($"Unknown sort column '{query.SortColumn}'.");
        var filters = new List<(int Column, string Text)>();
        foreach (var filter in query.Filters ?? [])
        {
            var index = entry.IndexOf(filter.Column);
            if (index < 0) problems.Add($"Unknown filter column '{filter.Column}'.");
            else if (!string.IsNullOrEmpty(filter.Text)) filters.Add((index, filter.Text));
        }
        if (problems.Count > 0) return Task.FromResult(TableResult<RowsPage>.Fail(TableError.Invalid, problems));

        var key = new StringBuilder(_database.Path).Append('|').Append(entry.Physical).Append('|').Append(entry.DataVersion)
            .Append('|').Append(sort).Append(query.Descending ? 'd' : 'a');
        foreach (var (column, text) in filters) key.Append('|').Append(column).Append('\u0001').Append(text);
        var viewKey = key.ToString();
        var (where, parameters) = FilterSql(filters);

        var ids = View(connection, entry, viewKey, where, parameters, sort, query.Descending, cancellationToken);
        var start = (int)Math.Min(query.Offset, ids.Length);
        var count = Math.Min(query.Limit, ids.Length - start);
        var slice = new ArraySegment<long>(ids, start, count);
        List<string[]> rows;
        if (count == 0) rows = [];
        else if (sort < 0)
        {
            // From the original CSV when no row of the page was edited; otherwise, in original order the page is exactly
            // the rows between its first and last id that pass the filters: a range the zone maps narrow to a few row
            // groups.
            var indexed = FromRowIndex(connection, entry, slice, all: true);
            rows = indexed is not null && indexed.Count == count
                ? [.. slice.Select(id => indexed[id])]
                : FetchRange(connection, entry, slice, where, parameters);
        }
        else
        {
            rows = FetchWindowed(connection, entry, viewKey, ids, start, count);
        }
        var page = new RowsPage(entry.Columns, rows, slice.ToArray(), query.Offset, ids.Length);
        return Task.FromResult(TableResult<RowsPage>.Ok(page));
    }

    private static (string Where, object?[] Parameters) FilterSql(List<(int Column, string Text)> filters)
    {
        var sql = new StringBuilder();
        var parameters = new object?[filters.Count];
        for (var i = 0; i < filters.Count; i++)
        {
            sql.Append(i == 0 ? "" : " AND ").Append(SqlIdentifier.Column(filters[i].Column)).Append(" ILIKE ? ESCAPE '\\'");
            parameters[i] = "%" + EscapeLike(filters[i].Text) + "%";
        }
        return (sql.ToString(), parameters);
    }

    private long[] View(DuckDBConnection connection, CatalogEntry entry, string viewKey, string where, object?[] parameters, int sort, bool descending, CancellationToken cancellationToken)
    {
        if (_factory.Views.TryGet(viewKey, out var cached)) return cached;

        var sql = new StringBuilder("SELECT __row_id FROM ").Append(SqlIdentifier.Quote(entry.Physical));
        if (where.Length > 0) sql.Append(" WHERE ").Append(where);
        sql.Append(" ORDER BY ");
        if (sort >= 0) sql.Append(SqlIdentifier.Column(sort)).Append(descending ? " DESC" : " ASC").Append(", ");
        sql.Append("__row_id");

        using var command = Command(connection, sql.ToString(), parameters);
        using var reader = command.ExecuteReader();
        // Unfiltered, the view holds every row, so at most NextRowId ids: read straight into an array that size, not
        // through a growing list, which at 1.3 M rows allocated ~42 MB (large-object heap) for a 10 MB result.
        var ids = new long[where.Length == 0 ? (int)Math.Clamp(entry.NextRowId, 16, Array.MaxLength) : 1024];
        var count = 0;
        while (reader.Read())
        {
            if (count == ids.Length) Array.Resize(ref ids, (int)Math.Min((long)ids.Length * 2, Array.MaxLength));
            ids[count++] = reader.GetInt64(0);
            if ((count & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        }
        if (count != ids.Length) Array.Resize(ref ids, count);
        _factory.Views.Add(viewKey, ids);
        return ids;
    }

    /// <summary>Escapes <c>\ % _</c> for <c>ILIKE … ESCAPE '\'</c>, so the text is matched literally.</summary>
    internal static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static List<string[]> FetchRange(DuckDBConnection connection, CatalogEntry entry, ArraySegment<long> ids, string where, object?[] parameters)
    {
        var sql = SelectRows(entry).Append(" WHERE __row_id BETWEEN ").Append(ids[0].ToString(CultureInfo.InvariantCulture))
            .Append(" AND ").Append(ids[^1].ToString(CultureInfo.InvariantCulture));
        if (where.Length > 0) sql.Append(" AND ").Append(where);
        var byId = ReadRowsById(connection, entry, sql.ToString(), parameters);
        var rows = new List<string[]>(ids.Count);
        foreach (var id in ids) rows.Add(byId[id]);
        return rows;
    }

    /// <summary>
    /// Rows of a sorted view. Their ids are scattered: unedited rows are read from the original CSV through its
    /// row-offset index (ADR 0505: two positioned reads per row); DuckDB fetches scattered rows by scanning (its cost
    /// grows with the table: 44–55 ms per 250 rows of 35 columns at 305 000 rows, 440 ms at 1.2 M), so only edited and
    /// added rows go there.
    /// Rows are fetched by windows of <see cref="RowWindowCache.WindowSize"/> positions of the view and the windows
    /// cached: scrolling a sorted grid pays for one fetch every 2.5 pages of 100, and going back to a page costs nothing.
    /// </summary>
    private List<string[]> FetchWindowed(DuckDBConnection connection, CatalogEntry entry, string viewKey, long[] ids, int start, int count)
    {
        var rows = new List<string[]>(count);
        var size = RowWindowCache.WindowSize;
        for (var window = start / size; window <= (start + count - 1) / size; window++)
        {
            var windowKey = viewKey + "#" + window.ToString(CultureInfo.InvariantCulture);
            var first = window * size;
            var length = Math.Min(size, ids.Length - first);
            if (!_factory.Windows.TryGet(windowKey, out var windowRows))
            {
                // Rows no edit touched come from the original CSV (ADR 0505). The rest from DuckDB, in batches: each
                // scattered row pins a block of every column while the query runs, so one query for the whole window
                // could pin most of a large table at once (out of memory at 1M rows, uncompressed).
                var wanted = new ArraySegment<long>(ids, first, length);
                var byId = FromRowIndex(connection, entry, wanted) ?? new Dictionary<long, string[]>(length);
                var missing = byId.Count == length ? [] : wanted.Where(id => !byId.ContainsKey(id)).ToList();
                for (var batch = 0; batch < missing.Count; batch += FetchBatch)
                {
                    var sql = SelectRows(entry).Append(" WHERE __row_id IN (");
                    for (var i = batch; i < Math.Min(missing.Count, batch + FetchBatch); i++)
                        sql.Append(i == batch ? "" : ",").Append(missing[i].ToString(CultureInfo.InvariantCulture));
                    sql.Append(')');
                    foreach (var (id, values) in ReadRowsById(connection, entry, sql.ToString(), [])) byId[id] = values;
                }
                windowRows = new string[length][];
                for (var i = 0; i < length; i++) windowRows[i] = byId[ids[first + i]];
                _factory.Windows.Add(windowKey, windowRows);
            }
            var from = Math.Max(start, first) - first;
            var to = Math.Min(start + count, first + length) - first;
            for (var i = from; i < to; i++) rows.Add(windowRows[i]);
        }
        return rows;
    }

    /// <summary>
    /// The rows of <paramref name="ids"/> that can be read from the table's original CSV through its row-offset index:
    /// those the import loaded (id below the indexed count) and that an edit still in effect has not set or deleted
    /// (<see cref="MarkTouched"/>; undo takes the marks back). Null when the table has no usable index, or with
    /// <paramref name="all"/> when some of the rows cannot come from it (nothing is read then).
    /// </summary>
    private Dictionary<long, string[]>? FromRowIndex(DuckDBConnection connection, CatalogEntry entry, IReadOnlyCollection<long> ids,
        bool all = false)
    {
        if (entry.OriginalPath is null) return null;
        var indexPath = RowIndexPath(entry.Physical);
        if (CsvRowIndex.Rows(indexPath) is not { } indexed) return null;
        var usable = ids.Where(id => id < indexed).ToList();
        if (usable.Count > 0 && (entry.EditCount > 0 || entry.DataVersion > 0))
        {
            // Only the marks of the rows asked for: a page costs the same however many rows were edited elsewhere.
            var touched = new HashSet<long>();
            foreach (var chunk in usable.Chunk(1000))
            {
                var sql = new StringBuilder("SELECT row_id FROM __touched WHERE physical = ? AND row_id IN (")
                    .AppendJoin(',', chunk.Select(id => id.ToString(CultureInfo.InvariantCulture))).Append(')');
                using var command = Command(connection, sql.ToString(), entry.Physical);
                using var reader = command.ExecuteReader();
                while (reader.Read()) touched.Add(reader.GetInt64(0));
            }
            if (touched.Count > 0) usable.RemoveAll(touched.Contains);
        }
        if (all && usable.Count != ids.Count) return null;
        return CsvRowIndex.TryRead(indexPath, entry.OriginalPath, indexed, entry.CsvDelimiter, entry.Columns.Length, usable);
    }

    /// <summary>Scattered rows fetched per query (see <see cref="FetchWindowed"/>).</summary>
    private const int FetchBatch = 25;

    private static StringBuilder SelectRows(CatalogEntry entry)
    {
        var sql = new StringBuilder("SELECT __row_id");
        for (var i = 0; i < entry.Columns.Length; i++) sql.Append(", ").Append(SqlIdentifier.Column(i));
        return sql.Append(" FROM ").Append(SqlIdentifier.Quote(entry.Physical));
    }

    private static Dictionary<long, string[]> ReadRowsById(DuckDBConnection connection, CatalogEntry entry, string sql, object?[] parameters)
    {
        var byId = new Dictionary<long, string[]>();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        while (reader.Read()) byId[reader.GetInt64(0)] = ReadValues(reader, 1, entry.Columns.Length);
        return byId;
    }

    // ---------------------------------------------------------------- edits

    /// <summary>
    /// Validates every op of the batch first (unknown table → not found; unknown column or row, bad values → invalid,
    /// listing every problem), then applies them in order in one DuckDB transaction: all or nothing. Returns the patch
    /// entries to persist (one per op, all with the same edit id). <see cref="AddTableOp"/> and
    /// <see cref="DeleteTableOp"/> must be alone in their batch.
    /// </summary>
    public async Task<TableResult<EditOutcome>> ApplyAsync(EditBatch batch, string actor, CancellationToken cancellationToken = default)
    {
        if (batch.Ops.Count == 0) return TableResult<EditOutcome>.Fail(TableError.Invalid, "The batch has no operations.");
        if (batch.Ops.Count > Options.MaxOpsPerBatch) return TableResult<EditOutcome>.Fail(TableError.Invalid, $"A batch has at most {Options.MaxOpsPerBatch} operations.");
        if (batch.Ops.Count > 1 && batch.Ops.Any(o => o is AddTableOp or DeleteTableOp))
            return TableResult<EditOutcome>.Fail(TableError.Invalid, "Adding or deleting a table must be the only operation of its batch.");

        await _database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            using var connection = _factory.Connect(_database);
            var editId = Guid.CreateVersion7();
            var at = _factory.Clock.GetUtcNow();
            return batch.Ops[0] switch
            {
                AddTableOp add => AddTable(connection, batch.Table, add, editId, at, actor),
                DeleteTableOp => DeleteTable(connection, batch.Table, editId, at, actor),
                _ => ApplyRowOps(connection, batch, editId, at, actor),
            };
        }
        finally
        {
            _database.WriteLock.Release();
        }
    }

    private TableResult<EditOutcome> AddTable(DuckDBConnection connection, string name, AddTableOp op, Guid editId, DateTimeOffset at, string actor)
    {
        var problems = new List<string>();
        CheckName(name, "table name", problems);
        CheckName(op.Group, "group", problems);
        if (op.Headers.Count == 0) problems.Add("A table needs at least one column.");
        if (op.Headers.Count > Options.MaxColumns) problems.Add($"A table has at most {Options.MaxColumns} columns.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < op.Headers.Count; i++)
        {
            CheckName(op.Headers[i], $"headers[{i}]", problems);
            if (op.Headers[i] is not null && !seen.Add(op.Headers[i])) problems.Add($"headers[{i}]: the column '{op.Headers[i]}' is there twice.");
        }
        if (problems.Count > 0) return TableResult<EditOutcome>.Fail(TableError.Invalid, problems);
        if (LoadLive(connection, name) is not null) return TableResult<EditOutcome>.Fail(TableError.Conflict, $"A table named '{name}' already exists.");

        var physical = NewPhysicalName();
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, CreateTableSql(physical, op.Headers.Count));
            Execute(connection, CreateIndexSql(physical));
            Execute(connection, $"INSERT INTO __tables ({CatalogColumns}) VALUES (?, ?, ?, ?, NULL, ?, 0, 1, 1, NULL, ',')",
                physical, name, op.Group, JsonSerializer.Serialize(op.Headers), at.ToString("O", CultureInfo.InvariantCulture));
            transaction.Commit();
        }
        var value = JsonSerializer.Serialize(new { group = op.Group, headers = op.Headers });
        return TableResult<EditOutcome>.Ok(new EditOutcome(editId, [new PatchEntry(editId, at, actor, name, PatchEntry.AddTable, null, null, null, value)]));
    }

    private TableResult<EditOutcome> DeleteTable(DuckDBConnection connection, string name, Guid editId, DateTimeOffset at, string actor)
    {
        var entry = LoadLive(connection, name);
        if (entry is null) return TableResult<EditOutcome>.Fail(TableError.NotFound, $"There is no table '{name}'.");
        var rows = RowCount(connection, entry.Physical);
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, "UPDATE __tables SET deleted_seq = (SELECT coalesce(max(deleted_seq), 0) + 1 FROM __tables), edit_count = edit_count + 1, data_version = data_version + 1 WHERE physical = ?",
                entry.Physical);
            transaction.Commit();
        }
        var value = JsonSerializer.Serialize(new { group = entry.Group, columns = entry.Columns, rows });
        return TableResult<EditOutcome>.Ok(new EditOutcome(editId, [new PatchEntry(editId, at, actor, name, PatchEntry.DeleteTable, null, null, value, null)]));
    }

    private TableResult<EditOutcome> ApplyRowOps(DuckDBConnection connection, EditBatch batch, Guid editId, DateTimeOffset at, string actor)
    {
        var entry = LoadLive(connection, batch.Table);
        if (entry is null) return TableResult<EditOutcome>.Fail(TableError.NotFound, $"There is no table '{batch.Table}'.");

        // Current values of every referenced row, then a dry run over a copy of them.
        var referenced = new HashSet<long>();
        foreach (var op in batch.Ops)
        {
            if (op is SetCellOp set) referenced.Add(set.RowId);
            else if (op is DeleteRowOp delete) referenced.Add(delete.RowId);
        }
        var rows = LoadRows(connection, entry, referenced);
        var problems = new List<string>();
        var nextId = entry.NextRowId;
        var state = rows.ToDictionary(r => r.Key, r => (string[])r.Value.Clone());
        for (var i = 0; i < batch.Ops.Count; i++)
        {
            switch (batch.Ops[i])
            {
                case SetCellOp set:
                    var column = entry.IndexOf(set.Column);
                    if (column < 0) problems.Add($"ops[{i}]: unknown column '{set.Column}'.");
                    if (!state.TryGetValue(set.RowId, out var row)) problems.Add($"ops[{i}]: there is no row {set.RowId}.");
                    else if (column >= 0) row[column] = set.Value ?? string.Empty;
                    CheckValue(set.Value, $"ops[{i}]", problems);
                    break;
                case InsertRowOp insert:
                    foreach (var (name, value) in insert.Values)
                    {
                        if (entry.IndexOf(name) < 0) problems.Add($"ops[{i}]: unknown column '{name}'.");
                        CheckValue(value, $"ops[{i}]", problems);
                    }
                    state[nextId++] = new string[entry.Columns.Length];
                    break;
                case DeleteRowOp delete:
                    if (!state.Remove(delete.RowId)) problems.Add($"ops[{i}]: there is no row {delete.RowId}.");
                    break;
                default:
                    problems.Add($"ops[{i}]: this operation is not allowed here.");
                    break;
            }
        }
        if (problems.Count > 0) return TableResult<EditOutcome>.Fail(TableError.Invalid, problems);

        var entries = new List<PatchEntry>(batch.Ops.Count);
        nextId = entry.NextRowId;
        var table = SqlIdentifier.Quote(entry.Physical);
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var op in batch.Ops)
            {
                switch (op)
                {
                    case SetCellOp set:
                        var column = entry.IndexOf(set.Column);
                        var row = rows[set.RowId];
                        var old = row[column];
                        var value = set.Value ?? string.Empty;
                        Execute(connection, $"UPDATE {table} SET {SqlIdentifier.Column(column)} = ? WHERE __row_id = ?", value, set.RowId);
                        row[column] = value;
                        entries.Add(new PatchEntry(editId, at, actor, entry.Name, PatchEntry.Set, set.RowId, entry.Columns[column], old, value));
                        break;
                    case InsertRowOp insert:
                        var values = new string[entry.Columns.Length];
                        Array.Fill(values, string.Empty);
                        foreach (var (name, v) in insert.Values) values[entry.IndexOf(name)] = v ?? string.Empty;
                        var id = nextId++;
                        InsertRow(connection, entry, id, values);
                        rows[id] = values;
                        entries.Add(new PatchEntry(editId, at, actor, entry.Name, PatchEntry.InsertRow, id, null, null, RowJson(entry, values)));
                        break;
                    case DeleteRowOp delete:
                        Execute(connection, $"DELETE FROM {table} WHERE __row_id = ?", delete.RowId);
                        entries.Add(new PatchEntry(editId, at, actor, entry.Name, PatchEntry.DeleteRow, delete.RowId, null, RowJson(entry, rows[delete.RowId]), null));
                        rows.Remove(delete.RowId);
                        break;
                }
            }
            MarkTouched(connection, entry.Physical, batch.Ops.Select(op => op switch
            {
                SetCellOp set => set.RowId,
                DeleteRowOp delete => delete.RowId,
                _ => -1,
            }).Where(id => id >= 0 && id < entry.NextRowId));
            Execute(connection, "UPDATE __tables SET next_row_id = ?, edit_count = edit_count + 1, data_version = data_version + 1 WHERE physical = ?",
                nextId, entry.Physical);
            transaction.Commit();
        }
        return TableResult<EditOutcome>.Ok(new EditOutcome(editId, entries));
    }

    /// <summary>
    /// Undoes one edit given its patch entries (as returned by <see cref="ApplyAsync"/>): the inverse ops, in reverse
    /// order, in one transaction. Undo is meant for the last edit of the session (repeat to go further back); if the
    /// tables no longer match the entries' "new" state (the edit was already undone, or a later edit is still applied)
    /// nothing changes and the answer is a conflict.
    /// </summary>
    public async Task<TableResult<Guid>> UndoAsync(IReadOnlyList<PatchEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0) return TableResult<Guid>.Fail(TableError.Invalid, "There is nothing to undo.");
        var editId = entries[0].EditId;
        if (entries.Any(e => e.EditId != editId)) return TableResult<Guid>.Fail(TableError.Invalid, "The entries belong to more than one edit.");

        await _database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            using var connection = _factory.Connect(_database);
            using var transaction = connection.BeginTransaction();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            var restoredRows = new HashSet<(string Physical, long RowId)>();
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var problem = Invert(connection, entries[i], touched, restoredRows);
                if (problem is not null)
                {
                    transaction.Rollback();
                    return TableResult<Guid>.Fail(TableError.Conflict, problem);
                }
            }
            foreach (var physical in touched)
                Execute(connection, "UPDATE __tables SET edit_count = edit_count - 1, data_version = data_version + 1 WHERE physical = ?", physical);
            // The edit marked each row it set or deleted once (MarkTouched); undo takes that one mark back. A row with no
            // mark left holds its original values again and is read from the row index once more.
            foreach (var (physical, rowId) in restoredRows)
                Execute(connection, "DELETE FROM __touched WHERE rowid IN (SELECT rowid FROM __touched WHERE physical = ? AND row_id = ? LIMIT 1)",
                    physical, rowId);
            transaction.Commit();
            return TableResult<Guid>.Ok(editId);
        }
        finally
        {
            _database.WriteLock.Release();
        }
    }

    private static string? Invert(DuckDBConnection connection, PatchEntry patch, HashSet<string> touched,
        HashSet<(string Physical, long RowId)> restoredRows)
    {
        if (patch.Op == PatchEntry.DeleteTable)
        {
            if (LoadLive(connection, patch.Table) is not null) return $"A table named '{patch.Table}' exists again; the delete cannot be undone.";
            var deleted = LoadCatalog(connection, "name = ? AND deleted_seq IS NOT NULL ORDER BY deleted_seq DESC LIMIT 1", patch.Table).FirstOrDefault();
            if (deleted is null) return $"The deleted table '{patch.Table}' is gone.";
            Execute(connection, "UPDATE __tables SET deleted_seq = NULL WHERE physical = ?", deleted.Physical);
            touched.Add(deleted.Physical);
            return null;
        }

        var entry = LoadLive(connection, patch.Table);
        if (entry is null) return $"There is no table '{patch.Table}'.";
        var table = SqlIdentifier.Quote(entry.Physical);
        switch (patch.Op)
        {
            case PatchEntry.AddTable:
                if (RowCount(connection, entry.Physical) > 0) return $"The table '{patch.Table}' has rows now; undo the later edits first.";
                Execute(connection, "DELETE FROM __tables WHERE physical = ?", entry.Physical);
                Execute(connection, $"DROP TABLE {table}");
                return null;
            case PatchEntry.Set:
                var column = patch.Column is null ? -1 : entry.IndexOf(patch.Column);
                if (column < 0 || patch.RowId is not { } rowId) return $"The column '{patch.Column}' does not exist.";
                var current = LoadRows(connection, entry, [rowId]);
                if (!current.TryGetValue(rowId, out var row)) return $"Row {rowId} of '{patch.Table}' no longer exists.";
                if (!string.Equals(row[column], patch.NewValue ?? string.Empty, StringComparison.Ordinal))
                    return $"Row {rowId}, column '{patch.Column}' was changed again; undo the later edits first.";
                Execute(connection, $"UPDATE {table} SET {SqlIdentifier.Column(column)} = ? WHERE __row_id = ?", patch.OldValue ?? string.Empty, rowId);
                restoredRows.Add((entry.Physical, rowId));
                break;
            case PatchEntry.InsertRow:
                if (patch.RowId is not { } inserted || LoadRows(connection, entry, [inserted]).Count == 0) return $"The inserted row {patch.RowId} no longer exists.";
                Execute(connection, $"DELETE FROM {table} WHERE __row_id = ?", inserted);
                break;
            case PatchEntry.DeleteRow:
                if (patch.RowId is not { } deletedRow) return "The entry has no row id.";
                if (LoadRows(connection, entry, [deletedRow]).Count > 0) return $"Row {deletedRow} exists again.";
                Dictionary<string, string?>? values;
                try
                {
                    values = JsonSerializer.Deserialize<Dictionary<string, string?>>(patch.OldValue ?? "null");
                }
                catch (JsonException)
                {
                    values = null;
                }
                if (values is null) return "The entry does not carry the deleted row.";
                var restored = new string[entry.Columns.Length];
                for (var i = 0; i < restored.Length; i++) restored[i] = values.GetValueOrDefault(entry.Columns[i]) ?? string.Empty;
                InsertRow(connection, entry, deletedRow, restored);
                restoredRows.Add((entry.Physical, deletedRow));
                break;
            default:
                return $"Unknown operation '{patch.Op}'.";
        }
        touched.Add(entry.Physical);
        return null;
    }

    // ---------------------------------------------------------------- export

    /// <summary>
    /// Streams the table as CSV (the engine's format and formula rule; see <see cref="CsvExportOptions"/>): the modified
    /// version from DuckDB ordered by row id, the original re-read from the engine's CSV. Rows are never all in memory.
    /// Returns the number of data rows.
    /// </summary>
    public async Task<TableResult<long>> WriteCsvAsync(string table, TableVersion version, Stream output, CsvExportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var source = OpenRows(table, version);
        if (!source.Succeeded) return TableResult<long>.Fail(source.Error, source.Problems);
        using var rows = source.Value!;
        return TableResult<long>.Ok(await WriteCsvAsync(rows, output, options, cancellationToken));
    }

    /// <summary>Streams one of the engine's CSV files as CSV with <paramref name="options"/> applied, without the store:
    /// the downloads of a conversion whose tables are still being loaded (ADR 0502).</summary>
    public static async Task WriteCsvFileAsync(string csvPath, IReadOnlyList<string> columns, Stream output, CsvExportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        using var rows = RowSource.FromCsv(columns, csvPath, ',');
        await WriteCsvAsync(rows, output, options, cancellationToken);
    }

    /// <summary>Streams one of the engine's CSV files as XLSX (see <see cref="WriteXlsxAsync(string, TableVersion, Stream, CancellationToken)"/>).</summary>
    public static async Task WriteXlsxFileAsync(string csvPath, IReadOnlyList<string> columns, string sheetName, Stream output,
        CancellationToken cancellationToken = default)
    {
        using var rows = RowSource.FromCsv(columns, csvPath, ',');
        await WriteXlsxAsync(rows, sheetName, output, cancellationToken);
    }

    /// <summary>Rows of an engine CSV go through <see cref="CsvPassThrough"/> (its bytes, cells that could run as formulas
    /// prefixed: byte-identical to re-writing them, several times faster); rows from DuckDB are written one by one.
    /// Returns the number of data rows.</summary>
    private static async Task<long> WriteCsvAsync(RowSource rows, Stream output, CsvExportOptions? options, CancellationToken cancellationToken)
    {
        options ??= CsvExportOptions.Default;
        if (rows.CsvPath is { } csvPath && rows.CsvDelimiter == ',' && CsvPassThrough.Supports(options))
        {
            await using var input = new FileStream(csvPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            return await CsvPassThrough.CopyAsync(input, output, options, cancellationToken) - 1;
        }

        await using var writer = new CsvExportWriter(output, options);
        writer.WriteRecord(rows.Columns);
        foreach (var row in rows.Read())
        {
            writer.WriteRecord(row);
            await writer.FlushIfFullAsync(cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
        return writer.Rows - 1;
    }

    /// <summary>
    /// Streams the table as XLSX (one text sheet, continued on more sheets past Excel's row limit). The package is
    /// produced on a worker thread into a pipe and copied asynchronously to <paramref name="output"/>, so the output
    /// need not accept synchronous writes and memory stays flat. Returns the number of data rows.
    /// </summary>
    public async Task<TableResult<long>> WriteXlsxAsync(string table, TableVersion version, Stream output, CancellationToken cancellationToken = default)
    {
        var source = OpenRows(table, version);
        if (!source.Succeeded) return TableResult<long>.Fail(source.Error, source.Problems);
        using var rows = source.Value!;
        return TableResult<long>.Ok(await WriteXlsxAsync(rows, table, output, cancellationToken));
    }

    private static async Task<long> WriteXlsxAsync(RowSource rows, string sheetName, Stream output, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var producer = Task.Run(() =>
        {
            long count = 0;
            try
            {
                using var stream = pipe.Writer.AsStream();
                using var writer = new XlsxExportWriter(stream, sheetName);
                writer.WriteHeader(rows.Columns);
                foreach (var row in rows.Read())
                {
                    writer.WriteRow(row);
                    if ((++count & 0x3FF) == 0) cancellationToken.ThrowIfCancellationRequested();
                }
                writer.Complete();
            }
            catch (Exception ex)
            {
                pipe.Writer.Complete(ex);
                throw;
            }
            return count;
        }, cancellationToken);
        try
        {
            await pipe.Reader.CopyToAsync(output, cancellationToken);
            await pipe.Reader.CompleteAsync();
        }
        catch (Exception ex)
        {
            await pipe.Reader.CompleteAsync(ex);
            try
            {
                await producer;
            }
            catch (Exception)
            {
                // The consumer's failure is the one to report.
            }
            throw;
        }
        return await producer;
    }

    /// <summary>The engine's CSV behind the original version (null for tables added by an edit or unknown tables).</summary>
    public async Task<string?> GetOriginalCsvPathAsync(string table, CancellationToken cancellationToken = default) =>
        (await GetTableAsync(table, cancellationToken))?.OriginalPath;

    /// <summary>The engine's CSV when <paramref name="version"/> of the table is exactly that file's rows (what the
    /// exports then read): the original version, or the modified one of a table nobody edited. Null otherwise.</summary>
    public string? EngineCsvOf(string table, TableVersion version)
    {
        using var connection = _factory.Connect(_database);
        var entry = LoadLive(connection, table);
        return entry is not null && IsEngineFile(entry, version) ? entry.OriginalPath : null;
    }

    private static bool HasOriginal(CatalogEntry entry) => entry.OriginalPath is not null && File.Exists(entry.OriginalPath);

    /// <summary>Nobody edited the table, or the original is asked for: the rows are the engine's file, and reading that
    /// is cheaper than the database.</summary>
    private static bool IsEngineFile(CatalogEntry entry, TableVersion version) =>
        HasOriginal(entry) && (version == TableVersion.Original || entry.EditCount == 0);

    private TableResult<RowSource> OpenRows(string table, TableVersion version)
    {
        var connection = _factory.Connect(_database);
        try
        {
            var entry = LoadLive(connection, table);
            if (entry is null)
            {
                connection.Dispose();
                return TableResult<RowSource>.Fail(TableError.NotFound, $"There is no table '{table}'.");
            }
            if (version == TableVersion.Original && !HasOriginal(entry))
            {
                connection.Dispose();
                return TableResult<RowSource>.Fail(TableError.NotFound, $"The table '{table}' has no original version.");
            }
            if (IsEngineFile(entry, version))
            {
                connection.Dispose();
                return TableResult<RowSource>.Ok(RowSource.FromCsv(entry.Columns, entry.OriginalPath!, entry.CsvDelimiter));
            }
            var sql = new StringBuilder("SELECT ");
            for (var i = 0; i < entry.Columns.Length; i++) sql.Append(i == 0 ? "" : ", ").Append(SqlIdentifier.Column(i));
            sql.Append(" FROM ").Append(SqlIdentifier.Quote(entry.Physical)).Append(" ORDER BY __row_id");
            return TableResult<RowSource>.Ok(RowSource.FromQuery(entry.Columns, connection, sql.ToString()));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Rows of one version, read lazily; owns its connection or file.</summary>
    private sealed class RowSource : IDisposable
    {
        private readonly DuckDBConnection? _connection;
        private readonly string? _sql;
        private readonly string? _csvPath;
        private readonly char _delimiter;

        private RowSource(IReadOnlyList<string> columns, DuckDBConnection? connection, string? sql, string? csvPath, char delimiter = ',')
        {
            Columns = columns;
            _connection = connection;
            _sql = sql;
            _csvPath = csvPath;
            _delimiter = delimiter;
        }

        public IReadOnlyList<string> Columns { get; }

        /// <summary>The engine CSV these rows come from (null for rows from DuckDB).</summary>
        public string? CsvPath => _csvPath;

        public char CsvDelimiter => _delimiter;

        public static RowSource FromQuery(IReadOnlyList<string> columns, DuckDBConnection connection, string sql) => new(columns, connection, sql, null);

        public static RowSource FromCsv(IReadOnlyList<string> columns, string path, char delimiter) => new(columns, null, null, path, delimiter);

        public IEnumerable<string[]> Read()
        {
            if (_csvPath is not null)
            {
                using var reader = CsvRecordReader.Open(_csvPath, _delimiter);
                reader.Read(); // header
                while (reader.Read() is { } record) yield return record;
                yield break;
            }
            using var command = _connection!.CreateCommand();
            command.CommandText = _sql;
            command.UseStreamingMode = true;
            using var rows = command.ExecuteReader();
            while (rows.Read()) yield return ReadValues(rows, 0, Columns.Count);
        }

        public void Dispose() => _connection?.Dispose();
    }

    // ---------------------------------------------------------------- helpers

    private void CheckValue(string? value, string where, List<string> problems)
    {
        if (value is null) return;
        if (value.Length > Options.MaxValueLength) problems.Add($"{where}: the value is longer than {Options.MaxValueLength} characters.");
        foreach (var c in value)
        {
            if (c < ' ' && c is not ('\t' or '\r' or '\n'))
            {
                problems.Add($"{where}: the value contains a control character.");
                return;
            }
        }
    }

    private static void CheckName(string? name, string what, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name)) problems.Add($"The {what} is empty.");
        else if (name.Length > MaxNameLength) problems.Add($"The {what} is longer than {MaxNameLength} characters.");
        else if (name.Any(char.IsControl)) problems.Add($"The {what} contains a control character.");
    }

    private static string NewPhysicalName() => "t_" + Guid.NewGuid().ToString("N");

    private static string CreateTableSql(string physical, int columns)
    {
        var sql = new StringBuilder("CREATE TABLE ").Append(SqlIdentifier.Quote(physical)).Append(" (__row_id BIGINT NOT NULL");
        for (var i = 0; i < columns; i++) sql.Append(", ").Append(SqlIdentifier.Column(i)).Append(" VARCHAR");
        return sql.Append(')').ToString();
    }

    /// <summary>ART index on the row id: scattered pages (sorted or filtered views) fetch their ≤ 1,000 rows by index
    /// lookups instead of a scan of the whole table.</summary>
    private static string CreateIndexSql(string physical) =>
        $"CREATE INDEX {SqlIdentifier.Quote(physical + "_row_id")} ON {SqlIdentifier.Quote(physical)} (__row_id)";

    private static void InsertRow(DuckDBConnection connection, CatalogEntry entry, long id, string[] values)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(SqlIdentifier.Quote(entry.Physical)).Append(" VALUES (?");
        for (var i = 0; i < values.Length; i++) sql.Append(", ?");
        sql.Append(')');
        var parameters = new object?[values.Length + 1];
        parameters[0] = id;
        values.CopyTo(parameters, 1);
        Execute(connection, sql.ToString(), parameters);
    }

    private static string RowJson(CatalogEntry entry, string[] values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < values.Length; i++) json.WriteString(entry.Columns[i], values[i]);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<long, string[]> LoadRows(DuckDBConnection connection, CatalogEntry entry, IReadOnlyCollection<long> ids)
    {
        var rows = new Dictionary<long, string[]>();
        if (ids.Count == 0) return rows;
        var sql = new StringBuilder("SELECT __row_id");
        for (var i = 0; i < entry.Columns.Length; i++) sql.Append(", ").Append(SqlIdentifier.Column(i));
        sql.Append(" FROM ").Append(SqlIdentifier.Quote(entry.Physical)).Append(" WHERE __row_id IN (");
        var first = true;
        foreach (var id in ids)
        {
            sql.Append(first ? "" : ",").Append(id.ToString(CultureInfo.InvariantCulture));
            first = false;
        }
        sql.Append(')');
        using var command = Command(connection, sql.ToString());
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows[reader.GetInt64(0)] = ReadValues(reader, 1, entry.Columns.Length);
        return rows;
    }

    private static string[] ReadValues(DbDataReader reader, int first, int count)
    {
        var values = new string[count];
        for (var i = 0; i < count; i++) values[i] = reader.IsDBNull(first + i) ? string.Empty : reader.GetString(first + i);
        return values;
    }

    private static long RowCount(DuckDBConnection connection, string physical)
    {
        using var command = Command(connection, $"SELECT count(*) FROM {SqlIdentifier.Quote(physical)}");
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private SessionTable ToTable(DuckDBConnection connection, CatalogEntry entry)
    {
        var originalBytes = entry.OriginalPath is not null && File.Exists(entry.OriginalPath) ? new FileInfo(entry.OriginalPath).Length : 0;
        return new SessionTable(entry.Name, entry.Group, entry.Columns, RowCount(connection, entry.Physical),
            entry.EditCount > 0 || entry.OriginalPath is null, entry.OriginalPath, originalBytes,
            DateTimeOffset.Parse(entry.Created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    private static CatalogEntry? LoadLive(DuckDBConnection connection, string name) =>
        LoadCatalog(connection, "name = ? AND deleted_seq IS NULL", name).FirstOrDefault();

    private static List<CatalogEntry> LoadCatalog(DuckDBConnection connection, string where, params object?[] parameters)
    {
        using var command = Command(connection, $"SELECT {CatalogColumns} FROM __tables WHERE {where}", parameters);
        using var reader = command.ExecuteReader();
        var list = new List<CatalogEntry>();
        while (reader.Read())
        {
            list.Add(new CatalogEntry(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                JsonSerializer.Deserialize<string[]>(reader.GetString(3)) ?? [],
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                reader.GetInt64(6), reader.GetInt32(7), reader.GetInt64(8), reader.GetString(10)[0]));
        }
        return list;
    }

    /// <summary>The rows of <paramref name="table"/> that are read from the database rather than the row index because an
    /// edit still in effect set or deleted them (diagnostics and tests).</summary>
    internal IReadOnlyList<long> TouchedRows(string table)
    {
        using var connection = _factory.Connect(_database);
        var entry = LoadLive(connection, table) ?? throw new ArgumentException($"There is no table '{table}'.", nameof(table));
        using var command = Command(connection, "SELECT DISTINCT row_id FROM __touched WHERE physical = ? ORDER BY row_id", entry.Physical);
        using var reader = command.ExecuteReader();
        var rows = new List<long>();
        while (reader.Read()) rows.Add(reader.GetInt64(0));
        return rows;
    }

    /// <summary>Records rows whose values may differ from the original CSV from now on (see <see cref="FromRowIndex"/>).
    /// Once per edit and row: <see cref="UndoAsync"/> takes one mark back per row it restores.</summary>
    private static void MarkTouched(DuckDBConnection connection, string physical, IEnumerable<long> rowIds)
    {
        foreach (var chunk in rowIds.Distinct().Chunk(1000))
        {
            var sql = new StringBuilder("INSERT INTO __touched VALUES ");
            for (var i = 0; i < chunk.Length; i++)
                sql.Append(i == 0 ? "(?, " : ", (?, ").Append(chunk[i].ToString(CultureInfo.InvariantCulture)).Append(')');
            Execute(connection, sql.ToString(), Enumerable.Repeat<object?>(physical, chunk.Length).ToArray());
        }
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters) command.Parameters.Add(new DuckDBParameter(parameter ?? DBNull.Value));
        return command;
    }

    private static void Execute(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>A catalog row. <see cref="Columns"/> are the real names; column i is stored as <c>c{i}</c>.</summary>
    private sealed record CatalogEntry(string Physical, string Name, string Group, string[] Columns, string? OriginalPath,
        string Created, long NextRowId, int EditCount, long DataVersion, char CsvDelimiter)
    {
        private Dictionary<string, int>? _index;

        /// <summary>Index of a column by exact (ordinal) name; the first one when names repeat; -1 when unknown.</summary>
        public int IndexOf(string name)
        {
            if (_index is null)
            {
                var index = new Dictionary<string, int>(Columns.Length, StringComparer.Ordinal);
                for (var i = 0; i < Columns.Length; i++) index.TryAdd(Columns[i], i);
                _index = index;
            }
            return _index.GetValueOrDefault(name, -1);
        }
    }
}
