using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace.Uploads;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Workspace;

/// <summary>tus 1.0.0 (core, creation, termination, expiration) over <see cref="TusUploadStore"/>, and the simple
/// one-request upload. A finished file moves into the session's input folder and queues a scan.</summary>
internal static class UploadEndpoints
{
    public static IResult Options(HttpContext http, TusUploadStore store)
    {
        TusHeaders(http);
        http.Response.Headers[TusProtocol.TusVersionHeader] = TusProtocol.Version;
        http.Response.Headers[TusProtocol.TusExtensionHeader] = TusProtocol.Extensions;
        http.Response.Headers[TusProtocol.TusMaxSizeHeader] = TusProtocol.Format(store.Limits.MaxFileBytes);
        return Results.NoContent();
    }

    public static async Task<IResult> CreateAsync(Guid id, HttpContext http, WorkspaceSessions sessions, TusUploadStore store,
        RetDbContext db, IOptionsSnapshot<WorkspaceOptions> options, CancellationToken ct)
    {
        TusHeaders(http);
        var request = http.Request;
        if (!TusProtocol.IsSupportedVersion(request.Headers[TusProtocol.TusResumableHeader]))
        {
            http.Response.Headers[TusProtocol.TusVersionHeader] = TusProtocol.Version;
            return Problem(412, "Unsupported tus version: use Tus-Resumable: 1.0.0.");
        }

        if (!TusProtocol.TryParseLength(request.Headers[TusProtocol.UploadLengthHeader], out var length))
        {
            return Problem(400, "Upload-Length is required (deferred length is not supported).");
        }

        var metadata = TusProtocol.ParseMetadata(request.Headers[TusProtocol.UploadMetadataHeader]);
        if (!metadata.Succeeded)
        {
            return Problem(400, metadata.Error!);
        }

        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return Problem(404, "Session not found.");
        }

        var owner = http.User.RequiredUserId();
        var remaining = await RemainingQuotaAsync(owner, sessions, db, options.Value, ct);
        var result = store.Create(owner, session.Id, length, metadata.Values, remaining);
        if (!result.Succeeded)
        {
            return Fail(http, result.Error, result.Message);
        }

        var info = result.Info!;
        db.Add(new WorkspaceFile
        {
            SessionId = session.Id,
            OwnerId = owner,
            Name = info.FileName,
            StoredName = info.Id.ToString("N"),
            SizeBytes = length,
            UploadId = info.Id.ToString("N"),
        });
        if (session.State == WorkspaceState.Empty)
        {
            session.State = WorkspaceState.Uploading;
        }

        sessions.Touch(session);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.Location = $"/api/workspace/uploads/{info.Id:N}";
        http.Response.Headers[TusProtocol.UploadExpiresHeader] = TusProtocol.FormatExpires(info.ExpiresAt);
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    public static IResult Head(Guid uploadId, HttpContext http, TusUploadStore store)
    {
        TusHeaders(http);
        http.Response.Headers.CacheControl = "no-store";
        var info = store.GetInfo(uploadId, http.User.RequiredUserId());
        if (info is null)
        {
            return Results.NotFound();
        }

        http.Response.Headers[TusProtocol.UploadOffsetHeader] = TusProtocol.Format(info.Offset);
        http.Response.Headers[TusProtocol.UploadLengthHeader] = TusProtocol.Format(info.Length);
        http.Response.Headers[TusProtocol.UploadExpiresHeader] = TusProtocol.FormatExpires(info.ExpiresAt);
        return Results.Ok();
    }

    public static async Task<IResult> PatchAsync(Guid uploadId, HttpContext http, TusUploadStore store, UploadCompletion completion,
        CancellationToken ct)
    {
        TusHeaders(http);
        var request = http.Request;
        if (!TusProtocol.IsSupportedVersion(request.Headers[TusProtocol.TusResumableHeader]))
        {
            return Problem(412, "Unsupported tus version: use Tus-Resumable: 1.0.0.");
        }

        if (!string.Equals(request.ContentType, TusProtocol.OffsetContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Problem(415, $"Content-Type must be {TusProtocol.OffsetContentType}.");
        }

        if (!TusProtocol.TryParseOffset(request.Headers[TusProtocol.UploadOffsetHeader], out var offset))
        {
            return Problem(400, "Upload-Offset is required.");
        }

        var owner = http.User.RequiredUserId();
        var info = store.GetInfo(uploadId, owner);
        if (info is null)
        {
            return Results.NotFound();
        }

        // The body may be as large as what is left of the file, never more.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = Math.Max(1, info.Length - offset);
        }

        var result = await store.AppendAsync(uploadId, owner, offset, request.Body, ct);
        if (!result.Succeeded)
        {
            if (result.Error is UploadError.WrongFileType or UploadError.EmptyFile)
            {
                await completion.RejectAsync(info, result.Message, ct);
            }

            return Fail(http, result.Error, result.Message);
        }

        var after = result.Info!;
        http.Response.Headers[TusProtocol.UploadOffsetHeader] = TusProtocol.Format(after.Offset);
        http.Response.Headers[TusProtocol.UploadExpiresHeader] = TusProtocol.FormatExpires(after.ExpiresAt);
        await completion.ProgressAsync(after, result.CompletedPath, ct);
        return Results.NoContent();
    }

    public static async Task<IResult> DeleteAsync(Guid uploadId, HttpContext http, TusUploadStore store, RetDbContext db, CancellationToken ct)
    {
        TusHeaders(http);
        var owner = http.User.RequiredUserId();
        var result = await store.DeleteAsync(uploadId, owner, ct);
        if (!result.Succeeded)
        {
            return Fail(http, result.Error, result.Message);
        }

        var key = uploadId.ToString("N");
        await db.Set<WorkspaceFile>().Where(f => f.UploadId == key && f.OwnerId == owner && f.State != WorkspaceFileState.Complete)
            .ExecuteDeleteAsync(ct);
        return Results.NoContent();
    }

    /// <summary><c>PUT /sessions/{id}/files/{fileName}</c>: the whole file in one request (scripts, curl -T).</summary>
    public static async Task<IResult> PutAsync(Guid id, string fileName, HttpContext http, WorkspaceSessions sessions,
        RetDbContext db, WorkspaceStorage storage, UploadCompletion completion, IOptionsSnapshot<WorkspaceOptions> options, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return Problem(404, "Session not found.");
        }

        var owner = http.User.RequiredUserId();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.Value.MaxFileBytes + 1;
        }

        var remaining = await RemainingQuotaAsync(owner, sessions, db, options.Value, ct);
        Directory.CreateDirectory(storage.UploadsRoot);
        var temp = Path.Combine(storage.UploadsRoot, $"put-{Guid.NewGuid():N}");
        var result = await SimpleUpload.WriteAsync(http.Request.Body, temp, fileName, http.Request.ContentLength,
            options.Value.MaxFileBytes, remaining, ct);
        if (!result.Succeeded)
        {
            return Fail(http, result.Error, result.Message);
        }

        var file = await completion.AddCompleteFileAsync(session, owner, result.FileName!, temp, result.Bytes, ct);
        return Results.Created($"/api/workspace/sessions/{session.Id}", UploadedFileDto.From(file));
    }

    /// <summary>Quota left: the limit minus stored bytes minus the declared length of uploads still in progress.</summary>
    internal static async Task<long> RemainingQuotaAsync(Guid owner, WorkspaceSessions sessions, RetDbContext db,
        WorkspaceOptions options, CancellationToken ct)
    {
        var used = await sessions.UsedBytesAsync(owner, ct);
        var pending = await db.Set<WorkspaceFile>().Where(f => f.OwnerId == owner && f.State == WorkspaceFileState.Uploading)
            .SumAsync(f => f.SizeBytes, ct);
        return Math.Max(0, options.QuotaBytesPerUser - used - pending);
    }

    private static void TusHeaders(HttpContext http) => http.Response.Headers[TusProtocol.TusResumableHeader] = TusProtocol.Version;

    private static IResult Fail(HttpContext http, UploadError error, string? message)
    {
        if (error == UploadError.StorageFull)
        {
            // Not the user's doing: the operator has to free space or grow the volume.
            http.RequestServices.GetRequiredService<IOpsLog>().Write(new OpsEvent(OpsLevel.Error, OpsCategory.Upload,
                "Upload stopped: the storage is full")
            {
                Details = new { userId = http.User.UserId(), user = http.User.UserName(), reason = message },
            });
        }
        else if (error is UploadError.PastLength or UploadError.FileTooLarge or UploadError.QuotaExceeded or UploadError.WrongFileType)
        {
            // Caps hit are operations news: a user who keeps hitting them needs a bigger quota or a word.
            http.RequestServices.GetRequiredService<IOpsLog>().Write(new OpsEvent(OpsLevel.Warning, OpsCategory.Upload,
                $"Upload rejected: {error}")
            {
                Details = new { userId = http.User.UserId(), user = http.User.UserName(), reason = message },
            });
        }

        return FailResult(error, message);
    }

    private static IResult FailResult(UploadError error, string? message) => error switch
    {
        UploadError.NotFound => Problem(404, message ?? "Upload not found."),
        UploadError.OffsetMismatch or UploadError.Busy => Problem(409, message ?? "The upload offset does not match."),
        UploadError.PastLength or UploadError.FileTooLarge => Problem(413, message ?? "The file is too large."),
        UploadError.QuotaExceeded => Problem(413, message ?? "Your storage quota is used up. Delete old sessions to make room."),
        UploadError.WrongFileType => Problem(415, message ?? "The file type does not match its name."),
        UploadError.StorageFull => Problem(StatusCodes.Status507InsufficientStorage, message ?? DiskSpace.FullMessage),
        _ => Problem(400, message ?? "The upload was refused."),
    };

    private static IResult Problem(int status, string title) => TypedResults.Problem(statusCode: status, title: title);
}
