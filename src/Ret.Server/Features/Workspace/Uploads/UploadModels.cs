using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>Limits of the upload store. Bind to <c>Workspace:Uploads</c> when wiring the endpoints.</summary>
public sealed class UploadLimits
{
    /// <summary>Largest single file, in bytes (default 200 MB). Advertised as <c>Tus-Max-Size</c>.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>An unfinished upload is removed this long after its last append (tus expiration).</summary>
    public TimeSpan Expiration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>During one long PATCH the offset is made durable every this many bytes (and always at its end).</summary>
    [Range(64 * 1024, long.MaxValue)]
    public long CheckpointBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Size of the pooled copy buffer.</summary>
    [Range(4096, 16 * 1024 * 1024)]
    public int BufferBytes { get; set; } = 256 * 1024;
}

/// <summary>Why an upload operation did not succeed. The endpoint maps each to one status code (in brackets).</summary>
public enum UploadError
{
    None = 0,
    /// <summary>Unknown id, someone else's upload, or expired (404).</summary>
    NotFound,
    /// <summary><c>Upload-Offset</c> differs from the stored offset (409); <see cref="UploadResult.Info"/> has the real one.</summary>
    OffsetMismatch,
    /// <summary>Another request is writing to this upload right now (409 or 423; the client retries after a HEAD).</summary>
    Busy,
    /// <summary>The body carries more bytes than remain up to <c>Upload-Length</c> (413); nothing of it was kept.</summary>
    PastLength,
    /// <summary>The declared or streamed size is over the per-file cap (413).</summary>
    FileTooLarge,
    /// <summary>The declared or streamed size is over the caller's remaining quota (413).</summary>
    QuotaExceeded,
    /// <summary>The first bytes do not match the declared type (415); the upload is rejected for good.</summary>
    WrongFileType,
    /// <summary>A zero-byte file (400).</summary>
    EmptyFile,
    /// <summary>Missing or unusable file name, or an extension other than .zip/.xml (400).</summary>
    InvalidName,
    /// <summary>The body ended before <c>Content-Length</c> bytes arrived (400; simple upload only).</summary>
    Incomplete,
    /// <summary>The server's disk filled up while writing (507). A tus upload keeps what was written and can resume; a
    /// simple upload keeps nothing.</summary>
    StorageFull,
}

/// <summary>State of one tus upload as kept in its <c>.json</c> sidecar. Never expose <see cref="DataPath"/> to clients.</summary>
public sealed record UploadInfo(
    Guid Id,
    Guid OwnerId,
    Guid SessionId,
    string FileName,
    UploadKind Kind,
    long Length,
    long Offset,
    IReadOnlyDictionary<string, string?> Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? RejectedReason,
    string DataPath)
{
    public bool IsComplete => Offset == Length && RejectedReason is null;
}

/// <summary>Result of an upload operation: <see cref="Info"/> on success (and on <see cref="UploadError.OffsetMismatch"/>),
/// otherwise <see cref="Error"/> with a message fit for the client.</summary>
public sealed record UploadResult(UploadInfo? Info, UploadError Error, string? Message)
{
    public bool Succeeded => Error == UploadError.None;

    /// <summary>The finished file when this append completed the upload; the caller moves it to the session's input folder.</summary>
    public string? CompletedPath => Succeeded && Info is { IsComplete: true } ? Info.DataPath : null;

    public static UploadResult Ok(UploadInfo info) => new(info, UploadError.None, null);

    public static UploadResult Fail(UploadError error, string message, UploadInfo? info = null) => new(info, error, message);
}
