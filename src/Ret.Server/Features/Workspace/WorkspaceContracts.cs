using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace;

// DTOs of the workspace API (docs/api/workspace.md). Entities never leave the server.

public sealed record SessionSummaryDto(Guid Id, string Name, string State, DateTime CreatedAt, DateTime UpdatedAt,
    DateTime ExpiresAt, long SizeBytes, int FileCount, int TableCount)
{
    public static SessionSummaryDto From(WorkspaceSession s) => new(s.Id, s.Name, s.State.ToString().ToLowerInvariant(),
        s.CreatedAt, s.UpdatedAt, s.ExpiresAt, s.SizeBytes, s.FileCount, s.TableCount);
}

public sealed record UploadedFileDto(Guid Id, string Name, long SizeBytes, long UploadedBytes, string State, string? Reason, DateTime CreatedAt)
{
    public static UploadedFileDto From(WorkspaceFile f) => new(f.Id, f.Name, f.SizeBytes, f.UploadedBytes,
        f.State.ToString().ToLowerInvariant(), f.Reason, f.CreatedAt);
}

/// <param name="Unreadable">XML files the scan could not parse (their reason says why); the conversion tries them and reports
/// them as failed files, so they are worth knowing before converting.</param>
public sealed record ScanSummaryDto(int Files, int XmlFiles, int Groups, int Tables, long TotalBytes, int Skipped, int Rejected, int Unreadable, string? StoppedReason);

public sealed record SessionDto(Guid Id, string Name, string State, DateTime CreatedAt, DateTime UpdatedAt, DateTime ExpiresAt,
    long SizeBytes, int FileCount, int TableCount, IReadOnlyList<UploadedFileDto> Files, ScanSummaryDto? Scan,
    JobDto? ActiveJob, JobDto? LastJob,
    /// <summary>The preview/edit store holds the current conversion's tables (false while it is being filled after the
    /// conversion finished; downloads work either way).</summary>
    bool TablesReady,
    /// <summary>Why the store could not be filled, if it could not.</summary>
    string? TablesError,
    /// <summary>Saved edits that "undo" can still revert.</summary>
    int UndoableEdits);

public sealed record CreateSessionRequest(string? Name);

public sealed record RenameSessionRequest(string? Name);

public sealed record QuotaDto(long UsedBytes, long LimitBytes, long MaxFileBytes);

public sealed record ScanGroupDto(string Name, int FileCount, long Bytes, IReadOnlyList<ScanTableDto> Tables);

public sealed record ScanTableDto(string Name, string RecordElement, IReadOnlyList<string> RecordPaths, int FileCount, IReadOnlyList<string> ColumnsPreview, int ColumnCount, bool ColumnCountExact);

public sealed record ScanResultDto(ScanSummaryDto Summary, IReadOnlyList<ScanGroupDto> Groups);

public sealed record ScanEntryDto(string Path, string Kind, string? Reason, long? SizeBytes, string? Group, string? RecordPath, string? Encoding);

public sealed record ConvertRequest(
    IReadOnlyList<string>? Groups,
    string? Format,
    string? Mode,
    IReadOnlyDictionary<string, string>? RecordOverrides,
    bool? NeutraliseFormulas,
    bool? Bom,
    bool? IncludeSourceFile);

public sealed record TableInfoDto(string Name, string Group, long Rows, int Columns, long SizeBytes, int SourceFiles, int Errors,
    bool Modified, bool IsChild, string? Parent)
{
    public static TableInfoDto From(ResultTable t) => new(t.Name, t.Group, t.Rows, t.Columns, t.SizeBytes, t.SourceFiles, t.Errors,
        t.Modified, t.IsChild, t.Parent);
}

public sealed record ConversionDefaultsDto(string Format, string Mode, bool NeutraliseFormulas, bool Bom);
