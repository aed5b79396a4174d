using System.Buffers;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>Outcome of <see cref="SimpleUpload.WriteAsync"/>: the sanitised name, kind and size on success.</summary>
public sealed record SimpleUploadResult(string? FileName, UploadKind? Kind, long Bytes, UploadError Error, string? Message)
{
    public bool Succeeded => Error == UploadError.None;
}

/// <summary>
/// The non-resumable upload (<c>PUT …/files/{fileName}</c>): streams a raw request body to a file with the same caps and
/// type check as tus. Bytes are counted while streaming, so the cap holds even for chunked bodies without
/// <c>Content-Length</c> (the request fails as soon as the cap is crossed). The file appears at
/// <paramref name="destinationPath"/> only when complete (temp file + rename); on any failure nothing is left behind.
/// </summary>
public static class SimpleUpload
{
    public static async Task<SimpleUploadResult> WriteAsync(
        Stream body,
        string destinationPath,
        string? fileName,
        long? contentLength,
        long maxFileBytes,
        long remainingQuotaBytes,
        CancellationToken cancellationToken,
        int bufferBytes = 256 * 1024)
    {
        var name = UploadFileNames.Sanitise(fileName);
        if (name is null) return Fail(UploadError.InvalidName, "The upload needs a file name.");
        if (UploadFileNames.KindOf(name) is not { } kind) return Fail(UploadError.InvalidName, "Only .zip and .xml files can be uploaded.");
        if (contentLength is 0) return Fail(UploadError.EmptyFile, "The file is empty.");
        if (contentLength > maxFileBytes) return TooLarge();
        if (contentLength > remainingQuotaBytes) return OverQuota();

        var temp = destinationPath + ".tmp-" + Guid.NewGuid().ToString("N");
        var buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
        var sniffer = new HeadSniffer(kind);
        long total = 0;
        var keep = false;
        try
        {
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            }))
            {
                var writeBehind = new WriteBehind(file.SafeFileHandle);
                while (true)
                {
                    // A full buffer per disk write: Kestrel hands the body over in pieces of 7–64 KiB, and writing each
                    // one cost a 200 MB upload ~27 000 writes (bench/README.md, session 9). Filling stops as soon as
                    // the body crosses the cap or the quota, so no more than that is ever read.
                    var read = 0;
                    int got;
                    while (read < bufferBytes && total + read <= Math.Min(maxFileBytes, remainingQuotaBytes)
                        && (got = await body.ReadAsync(buffer.AsMemory(read, bufferBytes - read), cancellationToken)) > 0)
                    {
                        read += got;
                    }
                    if (read == 0) break;
                    total += read;
                    if (total > maxFileBytes) return TooLarge();
                    if (total > remainingQuotaBytes) return OverQuota();
                    if (sniffer.Verdict == SignatureVerdict.NeedMore
                        && sniffer.Feed(buffer.AsSpan(0, read), isComplete: total == contentLength) == SignatureVerdict.Rejected)
                    {
                        return Fail(UploadError.WrongFileType, sniffer.Message!);
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                    writeBehind.Advance(total); // the fsync below then waits for the last few MiB only
                }
                if (total == 0) return Fail(UploadError.EmptyFile, "The file is empty.");
                if (contentLength is { } expected && total != expected)
                    return Fail(UploadError.Incomplete, $"The body ended after {total} of {expected} bytes.");
                if (sniffer.Verdict == SignatureVerdict.NeedMore && sniffer.Feed([], isComplete: true) == SignatureVerdict.Rejected)
                    return Fail(UploadError.WrongFileType, sniffer.Message!);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, destinationPath, overwrite: false);
            keep = true;
            return new SimpleUploadResult(name, kind, total, UploadError.None, null);
        }
        catch (IOException ex) when (DiskSpace.IsFull(ex))
        {
            return Fail(UploadError.StorageFull, $"{DiskSpace.FullMessage} Nothing of this file was kept: upload it again once space has been freed.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!keep)
            {
                try
                {
                    File.Delete(temp);
                }
                catch (IOException)
                {
                }
            }
        }

        SimpleUploadResult TooLarge() => Fail(UploadError.FileTooLarge, $"The file is larger than the {TusUploadStore.Bytes(maxFileBytes)} limit per file.");
        SimpleUploadResult OverQuota() => Fail(UploadError.QuotaExceeded, $"The file does not fit in your storage quota ({TusUploadStore.Bytes(Math.Max(0, remainingQuotaBytes))} left).");
    }

    private static SimpleUploadResult Fail(UploadError error, string message) => new(null, null, 0, error, message);
}
