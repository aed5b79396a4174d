using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>Which version of a table to read: as converted (<see cref="Original"/>) or with the edits applied.</summary>
public enum TableVersion
{
    Modified,
    Original,
}

/// <summary>Why a table operation did not succeed (the endpoint maps: 404, 400 with <c>errors</c>, 409).</summary>
public enum TableError
{
    None = 0,
    NotFound,
    Invalid,
    Conflict,
}

/// <summary>A value or the reason there is none. <see cref="Problems"/> lists every validation problem at once.</summary>
public sealed record TableResult<T>(T? Value, TableError Error, IReadOnlyList<string> Problems)
{
    public bool Succeeded => Error == TableError.None;

    public static TableResult<T> Ok(T value) => new(value, TableError.None, []);

    public static TableResult<T> Fail(TableError error, params string[] problems) => new(default, error, problems);

    public static TableResult<T> Fail(TableError error, IReadOnlyList<string> problems) => new(default, error, problems);
}

/// <summary>A table of a session. <see cref="Columns"/> are the real names (any characters); <see cref="Rows"/> the
/// current row count; <see cref="OriginalPath"/> the engine's CSV (null for a table added by an edit) — never show it.</summary>
public sealed record SessionTable(
    string Name,
    string Group,
    IReadOnlyList<string> Columns,
    long Rows,
    bool Modified,
    string? OriginalPath,
    long OriginalBytes,
    DateTimeOffset CreatedAt)
{
    public bool HasOriginal => OriginalPath is not null;
}

/// <summary>A case-insensitive "contains" filter on one column (empty text filters nothing).</summary>
public sealed record ColumnFilter(string Column, string Text);

/// <summary>One preview page. <see cref="Limit"/> is 1–1000; <see cref="SortColumn"/> null means original order.</summary>
public sealed record PageQuery(long Offset = 0, int Limit = 100, string? SortColumn = null, bool Descending = false, IReadOnlyList<ColumnFilter>? Filters = null)
{
    public const int MaxLimit = 1000;
}

/// <summary>Matches the API's <c>RowsPage</c>: <see cref="Total"/> counts rows after the filter; <see cref="RowIds"/> are
/// the stable row ids (0-based original order; added rows get new, larger ids).</summary>
public sealed record RowsPage(IReadOnlyList<string> Columns, IReadOnlyList<string[]> Rows, IReadOnlyList<long> RowIds, long Offset, long Total);

/// <summary>One edit operation. Applied in order; a batch is validated whole and applied atomically.</summary>
public abstract record EditOp;

/// <summary>Sets one cell.</summary>
public sealed record SetCellOp(long RowId, string Column, string? Value) : EditOp;

/// <summary>Appends a row; missing columns are empty.</summary>
public sealed record InsertRowOp(IReadOnlyDictionary<string, string?> Values) : EditOp;

/// <summary>Deletes a row.</summary>
public sealed record DeleteRowOp(long RowId) : EditOp;

/// <summary>Adds an empty table named by the batch (must be the only op of its batch).</summary>
public sealed record AddTableOp(string Group, IReadOnlyList<string> Headers) : EditOp;

/// <summary>Deletes the batch's table (must be the only op of its batch; undoable).</summary>
public sealed record DeleteTableOp : EditOp;

/// <summary>Edits of one table.</summary>
public sealed record EditBatch(string Table, IReadOnlyList<EditOp> Ops);

/// <summary>
/// One line of the patch log, as the API's <c>PatchEntry</c>. <see cref="Op"/> is <c>set</c>, <c>insertRow</c>,
/// <c>deleteRow</c>, <c>addTable</c> or <c>deleteTable</c>. For whole rows and tables the value is JSON: a deleted
/// row's <see cref="OldValue"/> and an inserted row's <see cref="NewValue"/> are <c>{"column": "value", …}</c> (every
/// column, in table order); <c>addTable</c>'s <see cref="NewValue"/> is <c>{"group": …, "headers": […]}</c> and
/// <c>deleteTable</c>'s <see cref="OldValue"/> is <c>{"group": …, "columns": […], "rows": n}</c>.
/// The caller persists these; <see cref="SessionTableStore.UndoAsync"/> needs them back verbatim.
/// </summary>
public sealed record PatchEntry(
    Guid EditId,
    DateTimeOffset At,
    string User,
    string Table,
    string Op,
    long? RowId,
    string? Column,
    string? OldValue,
    string? NewValue)
{
    public const string Set = "set";
    public const string InsertRow = "insertRow";
    public const string DeleteRow = "deleteRow";
    public const string AddTable = "addTable";
    public const string DeleteTable = "deleteTable";
}

/// <summary>An applied edit: its id and the patch entries to persist.</summary>
public sealed record EditOutcome(Guid EditId, IReadOnlyList<PatchEntry> Entries);

/// <summary>CSV export options. Defaults match the engine's: comma, no BOM, formula neutralisation on.</summary>
public sealed record CsvExportOptions(bool NeutraliseFormulas = true, bool Bom = false, char Delimiter = ',')
{
    public static CsvExportOptions Default { get; } = new();
}

/// <summary>How engine CSVs are read on import (they are UTF-8, a BOM is skipped).</summary>
public sealed record CsvImportOptions(char Delimiter = ',')
{
    public static CsvImportOptions Default { get; } = new();
}

/// <summary>A table that cannot be loaded into the preview store within the memory it may be given.</summary>
public sealed class TableTooLargeException(string message, Exception inner) : Exception(message, inner);

/// <summary>Settings of the session table stores (bind to <c>Workspace:Tables</c>).</summary>
public sealed class TableStoreOptions
{
    /// <summary>A DuckDB size setting as the options accept it: a number and a unit.</summary>
    private const string SizePattern = @"^(?<n>\d+(\.\d+)?)\s*(?<u>KB|MB|GB|KiB|MiB|GiB)$";

    /// <summary>Bytes of a size setting (<see cref="SizePattern"/>; <c>KB/MB/GB</c> are powers of 1000, as in DuckDB,
    /// <c>KiB/MiB/GiB</c> powers of 1024).</summary>
    public static long ParseSize(string value)
    {
        var match = System.Text.RegularExpressions.Regex.Match(value.Trim(), SizePattern);
        if (!match.Success) throw new FormatException($"Not a size: '{value}'.");
        var unit = match.Groups["u"].Value switch
        {
            "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "KiB" => 1024.0, "MiB" => 1024.0 * 1024, _ => 1024.0 * 1024 * 1024,
        };
        return (long)(double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) * unit);
    }

    /// <summary>DuckDB memory limit per open session database (DuckDB syntax, e.g. <c>256MB</c>).</summary>
    [Required, RegularExpression(SizePattern)]
    public string MemoryLimit { get; set; } = "256MB";

    /// <summary>DuckDB worker threads per open session database.</summary>
    [Range(1, 64)]
    public int Threads { get; set; } = 2;

    /// <summary>Memory limit of the staging database that loads a conversion's tables: where each table's load starts
    /// (one sequential bulk insert of a table of tens of columns needs little; a low limit keeps the load from stacking on
    /// the engine's peak). A load that needs more — DuckDB's insert holds buffers per column, so wide tables do — is
    /// retried with the limit doubled, up to <see cref="LoadMemoryLimitMax"/> (ADR 0401, amendment of session 13).</summary>
    [Required, RegularExpression(SizePattern)]
    public string LoadMemoryLimit { get; set; } = "48MB";

    /// <summary>The most memory one table's load may be given (see <see cref="LoadMemoryLimit"/>); a table that needs
    /// more cannot be previewed or edited (its downloads still work).</summary>
    [Required, RegularExpression(SizePattern)]
    public string LoadMemoryLimitMax { get; set; } = "1GB";

    /// <summary>DuckDB threads of the staging database; the row-numbered bulk insert runs on one anyway.</summary>
    [Range(1, 64)]
    public int LoadThreads { get; set; } = 1;

    /// <summary>Memory for cached preview orderings (row-id arrays, 8 bytes per row), across all sessions.</summary>
    [Range(0, long.MaxValue)]
    public long ViewCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Cached windows of 250 rows of sorted views, across all sessions (each roughly 0.2–0.5 MB at 20 columns).</summary>
    [Range(0, 10_000)]
    public int RowWindowCacheCount { get; set; } = 64;

    /// <summary>A session database with no activity for this long is closed (reopened on the next request).</summary>
    public TimeSpan IdleClose { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most operations in one edit batch.</summary>
    [Range(1, 1_000_000)]
    public int MaxOpsPerBatch { get; set; } = 10_000;

    /// <summary>Longest cell value an edit may set, in characters.</summary>
    [Range(1, int.MaxValue)]
    public int MaxValueLength { get; set; } = 1 << 20;

    /// <summary>Most columns of a table added by an edit.</summary>
    [Range(1, 100_000)]
    public int MaxColumns { get; set; } = 16_384;
}
