using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>
/// Storage side of tus 1.0.0 (core, creation, termination, expiration), independent of HTTP and EF. Each upload is
/// <c>{root}/{id}.part</c> (the bytes received so far) and <c>{root}/{id}.json</c> (length, offset, metadata, owner,
/// session, times), the sidecar always replaced atomically (temp file, fsync, rename).
/// <para>Durability: data is fsynced before the offset that covers it is written, so after a crash the sidecar's offset
/// never claims bytes that are not on disk; bytes past it are cut off by the next append. A crash therefore loses at most
/// the unacknowledged tail, and a client resumes from HEAD's offset.</para>
/// <para>Concurrency: one writer per upload — an in-process gate (a second request gets <see cref="UploadError.Busy"/>
/// at once instead of queueing) plus <see cref="FileShare.None"/> on the data file, which on Linux is an exclusive
/// <c>flock</c> and so also excludes other store instances and processes over the same folder.</para>
/// </summary>
public sealed class TusUploadStore
{
    private const string DataExtension = ".part";
    private const string InfoExtension = ".json";
    private const string TempMarker = ".tmp-";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private readonly string _root;
    private readonly UploadLimits _limits;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    public TusUploadStore(string root, UploadLimits limits, TimeProvider? clock = null)
    {
        _root = Path.GetFullPath(root);
        _limits = limits;
        _clock = clock ?? TimeProvider.System;
        Directory.CreateDirectory(_root);
    }

    public UploadLimits Limits => _limits;

    /// <summary>
    /// tus creation. <paramref name="metadata"/> comes from <see cref="TusProtocol.ParseMetadata"/>; its <c>filename</c>
    /// is required and must end in .zip or .xml (the stored name is the server's, the client's name only metadata).
    /// <paramref name="remainingQuotaBytes"/> is what the caller may still store.
    /// </summary>
    public UploadResult Create(Guid ownerId, Guid sessionId, long length, IReadOnlyDictionary<string, string?> metadata, long remainingQuotaBytes)
    {
        metadata.TryGetValue("filename", out var rawName);
        var fileName = UploadFileNames.Sanitise(rawName);
        if (fileName is null) return UploadResult.Fail(UploadError.InvalidName, "The upload needs a file name (metadata 'filename').");
        if (UploadFileNames.KindOf(fileName) is not { } kind)
            return UploadResult.Fail(UploadError.InvalidName, "Only .zip and .xml files can be uploaded.");
        if (length <= 0) return UploadResult.Fail(UploadError.EmptyFile, "The file is empty.");
        if (length > _limits.MaxFileBytes)
            return UploadResult.Fail(UploadError.FileTooLarge, $"The file is larger than the {Bytes(_limits.MaxFileBytes)} limit per file.");
        if (length > remainingQuotaBytes)
            return UploadResult.Fail(UploadError.QuotaExceeded, $"The file does not fit in your storage quota ({Bytes(Math.Max(0, remainingQuotaBytes))} left).");

        var now = _clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var record = new UploadRecord
        {
            Id = id,
            OwnerId = ownerId,
            SessionId = sessionId,
            FileName = fileName,
            Kind = kind,
            Length = length,
            Offset = 0,
            Metadata = new Dictionary<string, string?>(metadata, StringComparer.Ordinal),
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now + _limits.Expiration,
        };
        using (new FileStream(DataPath(id), FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
        }
        Save(record);
        return UploadResult.Ok(ToInfo(record));
    }

    /// <summary>tus HEAD: the upload, or null when it does not exist, belongs to someone else or has expired.</summary>
    public UploadInfo? GetInfo(Guid uploadId, Guid ownerId)
    {
        var record = LoadOwned(uploadId, ownerId);
        return record is null ? null : ToInfo(record);
    }

    /// <summary>The caller's uploads of one session (oldest first), expired ones left out.</summary>
    public IReadOnlyList<UploadInfo> List(Guid ownerId, Guid sessionId)
    {
        var list = new List<UploadInfo>();
        foreach (var path in Directory.EnumerateFiles(_root, "*" + InfoExtension))
        {
            if (!Guid.TryParse(Path.GetFileNameWithoutExtension(path), out var id)) continue;
            var record = LoadOwned(id, ownerId);
            if (record is not null && record.SessionId == sessionId) list.Add(ToInfo(record));
        }
        list.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return list;
    }

    /// <summary>
    /// tus PATCH: streams <paramref name="body"/> to the data file at <paramref name="expectedOffset"/> through a pooled
    /// buffer. Checks the file type on the first bytes, never writes past <c>Upload-Length</c> (a body that would is
    /// rolled back whole), makes the offset durable at the end and every <see cref="UploadLimits.CheckpointBytes"/>.
    /// When the client goes away or <paramref name="cancellationToken"/> fires, the bytes received so far are kept and
    /// made durable, then the exception propagates. On success, <see cref="UploadResult.CompletedPath"/> is set once the
    /// last byte has arrived.
    /// </summary>
    public async Task<UploadResult> AppendAsync(Guid uploadId, Guid ownerId, long expectedOffset, Stream body, CancellationToken cancellationToken)
    {
        if (LoadOwned(uploadId, ownerId) is null) return NotFound();
        var gate = _gates.GetOrAdd(uploadId, _ => new SemaphoreSlim(1, 1));
        if (!gate.Wait(0, CancellationToken.None)) return Busy();
        try
        {
            var record = LoadOwned(uploadId, ownerId);
            if (record is null) return NotFound();
            if (record.RejectedReason is not null) return UploadResult.Fail(UploadError.WrongFileType, record.RejectedReason, ToInfo(record));
            if (expectedOffset != record.Offset)
                return UploadResult.Fail(UploadError.OffsetMismatch, $"The upload is at offset {record.Offset}, not {expectedOffset}.", ToInfo(record));

            FileStream file;
            try
            {
                file = new FileStream(DataPath(uploadId), new FileStreamOptions
                {
                    Mode = FileMode.Open,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    BufferSize = 0,
                });
            }
            catch (FileNotFoundException)
            {
                return NotFound();
            }
            catch (IOException)
            {
                return Busy(); // another process or store instance holds the exclusive lock
            }

            await using (file)
            {
                return await AppendLockedAsync(record, file, body, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<UploadResult> AppendLockedAsync(UploadRecord record, FileStream file, Stream body, CancellationToken cancellationToken)
    {
        var start = record.Offset;
        if (file.Length > start)
        {
            file.SetLength(start); // an unacknowledged tail from an interrupted or crashed append
        }
        else if (file.Length < start)
        {
            // Should not happen (data is fsynced before the offset); if the disk lost data, tell the client the truth.
            record.Offset = file.Length;
            record.SignatureChecked = false;
            Save(record);
            return UploadResult.Fail(UploadError.OffsetMismatch, $"The upload is at offset {record.Offset}.", ToInfo(record));
        }

        HeadSniffer? sniffer = null;
        if (!record.SignatureChecked)
        {
            var stored = new byte[(int)Math.Min(start, FileSignatures.SniffLength)];
            file.Position = 0;
            file.ReadExactly(stored);
            sniffer = HeadSniffer.Resume(record.Kind, stored);
        }
        file.Position = start;

        var buffer = ArrayPool<byte>.Shared.Rent(_limits.BufferBytes);
        var position = start;
        var checkpoint = start;
        var writeBehind = new WriteBehind(file.SafeFileHandle, start); // checkpoints' fsyncs wait for the last MiB only
        try
        {
            while (true)
            {
                // A full buffer per disk write (Kestrel hands the body over in pieces of 7–64 KiB; bench/README.md,
                // session 9). Filling stops once the body runs past the upload's length (refused below). If the client
                // goes away or the request is aborted part-way, what arrived is still checked, written and committed
                // durably below, and then the failure propagates.
                var read = 0;
                Exception? aborted = null;
                try
                {
                    int got;
                    while (read < _limits.BufferBytes && read <= record.Length - position
                        && (got = await body.ReadAsync(buffer.AsMemory(read, _limits.BufferBytes - read), cancellationToken)) > 0)
                    {
                        read += got;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    aborted = ex;
                }
                if (read == 0)
                {
                    if (aborted is null) break;
                    Commit(record, file, position);
                    ExceptionDispatchInfo.Throw(aborted);
                }

                if (read > record.Length - position)
                {
                    Rollback(record, file, start);
                    return UploadResult.Fail(UploadError.PastLength,
                        $"The request carries more bytes than remain in the upload ({record.Length - start} bytes remained).", ToInfo(record));
                }

                if (sniffer is not null)
                {
                    var verdict = sniffer.Feed(buffer.AsSpan(0, read), isComplete: position + read == record.Length);
                    if (verdict == SignatureVerdict.Rejected)
                    {
                        record.RejectedReason = sniffer.Message;
                        Rollback(record, file, 0);
                        return UploadResult.Fail(UploadError.WrongFileType, sniffer.Message!, ToInfo(record));
                    }
                    if (verdict == SignatureVerdict.Accepted)
                    {
                        record.SignatureChecked = true;
                        sniffer = null;
                    }
                }

                // Disk writes are not cancelled half-way: the token is honoured between reads.
                try
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                }
                catch (IOException ex) when (DiskSpace.IsFull(ex))
                {
                    return StorageFull(record, file, position);
                }
                position += read;
                writeBehind.Advance(position);
                if (aborted is not null)
                {
                    Commit(record, file, position);
                    ExceptionDispatchInfo.Throw(aborted);
                }
                if (position - checkpoint >= _limits.CheckpointBytes)
                {
                    Commit(record, file, position);
                    checkpoint = position;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Commit(record, file, position);
        return UploadResult.Ok(ToInfo(record));
    }

    /// <summary>tus termination: removes the upload's data and state. <see cref="UploadError.Busy"/> while a PATCH runs.</summary>
    public async Task<UploadResult> DeleteAsync(Guid uploadId, Guid ownerId, CancellationToken cancellationToken = default)
    {
        var record = LoadOwned(uploadId, ownerId, includeExpired: true);
        if (record is null) return NotFound();
        var gate = _gates.GetOrAdd(uploadId, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)) return Busy();
        try
        {
            return TryRemove(uploadId) ? UploadResult.Ok(ToInfo(record)) : Busy();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// tus expiration and housekeeping: removes every upload (finished or not) last written before
    /// <paramref name="cutoff"/>, plus stray temp files and orphaned data files older than it. Uploads being written
    /// are skipped. Call it with <c>now - Limits.Expiration</c>; returns how many uploads were removed.
    /// </summary>
    public int ExpireOlderThan(DateTimeOffset cutoff)
    {
        var removed = 0;
        foreach (var path in Directory.GetFiles(_root))
        {
            var name = Path.GetFileName(path);
            if (name.Contains(TempMarker, StringComparison.Ordinal))
            {
                if (File.GetLastWriteTimeUtc(path) < cutoff.UtcDateTime) TryDelete(path);
                continue;
            }
            if (!Guid.TryParse(Path.GetFileNameWithoutExtension(name), out var id)) continue;
            if (name.EndsWith(InfoExtension, StringComparison.Ordinal))
            {
                var record = Load(id);
                if (record is null || record.UpdatedAt >= cutoff) continue;
            }
            else if (name.EndsWith(DataExtension, StringComparison.Ordinal))
            {
                // An orphan (its state file is gone); skip it if it was removed a moment ago with its state file.
                if (!File.Exists(path) || File.Exists(InfoPath(id)) || File.GetLastWriteTimeUtc(path) >= cutoff.UtcDateTime) continue;
            }
            else
            {
                continue;
            }

            var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
            if (!gate.Wait(0)) continue;
            try
            {
                if (TryRemove(id)) removed++;
            }
            finally
            {
                gate.Release();
            }
            _gates.TryRemove(id, out _);
        }
        return removed;
    }

    private bool TryRemove(Guid id)
    {
        try
        {
            // Exclusive open: fails while another process or instance is appending.
            using (File.Exists(DataPath(id)) ? new FileStream(DataPath(id), FileMode.Open, FileAccess.ReadWrite, FileShare.None) : null)
            {
                File.Delete(InfoPath(id));
                File.Delete(DataPath(id));
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Commit(UploadRecord record, FileStream file, long position)
    {
        file.Flush(flushToDisk: true);
        record.Offset = position;
        record.UpdatedAt = _clock.GetUtcNow();
        record.ExpiresAt = record.UpdatedAt + _limits.Expiration;
        Save(record);
    }

    /// <summary>The disk filled up during a write: the bytes before it stay (made durable when the disk still takes the
    /// sidecar; otherwise its last checkpoint stands and the next append cuts the file back to it), the part of the
    /// failed write that fit is cut off, and the client is told where the upload stands so it can resume later.</summary>
    private UploadResult StorageFull(UploadRecord record, FileStream file, long position)
    {
        try
        {
            file.SetLength(position);
            if (position < FileSignatures.SniffLength)
            {
                record.SignatureChecked = false; // the head the check accepted was in the lost write: check it again
            }

            Commit(record, file, position);
        }
        catch (IOException ex) when (DiskSpace.IsFull(ex))
        {
        }

        var kept = Load(record.Id) ?? record;
        return UploadResult.Fail(UploadError.StorageFull,
            $"{DiskSpace.FullMessage} The upload is kept up to {Bytes(kept.Offset)}: resume it once space has been freed.", ToInfo(kept));
    }

    private void Rollback(UploadRecord record, FileStream file, long offset)
    {
        file.SetLength(offset);
        file.Flush(flushToDisk: true);
        record.Offset = offset;
        if (offset == 0) record.SignatureChecked = false;
        record.UpdatedAt = _clock.GetUtcNow();
        Save(record);
    }

    private UploadRecord? LoadOwned(Guid id, Guid ownerId, bool includeExpired = false)
    {
        var record = Load(id);
        if (record is null || record.OwnerId != ownerId) return null;
        if (!includeExpired && record.ExpiresAt <= _clock.GetUtcNow() && record.Offset < record.Length) return null;
        return record;
    }

    private UploadRecord? Load(Guid id)
    {
        try
        {
            using var stream = new FileStream(InfoPath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize<UploadRecord>(stream, _json);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Save(UploadRecord record)
    {
        var final = InfoPath(record.Id);
        var temp = final + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, record, _json);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private string DataPath(Guid id) => Path.Combine(_root, id.ToString("N") + DataExtension);

    private string InfoPath(Guid id) => Path.Combine(_root, id.ToString("N") + InfoExtension);

    private UploadInfo ToInfo(UploadRecord r) => new(r.Id, r.OwnerId, r.SessionId, r.FileName, r.Kind, r.Length, r.Offset,
        r.Metadata, r.CreatedAt, r.ExpiresAt, r.RejectedReason, DataPath(r.Id));

    private static UploadResult NotFound() => UploadResult.Fail(UploadError.NotFound, "The upload does not exist.");

    private static UploadResult Busy() => UploadResult.Fail(UploadError.Busy, "Another request is writing to this upload; retry after checking its offset.");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    internal static string Bytes(long value) => value switch
    {
        >= 1L << 30 when value % (1L << 30) == 0 => $"{value >> 30} GB",
        >= 1L << 20 => $"{value / (double)(1L << 20):0.#} MB",
        >= 1L << 10 => $"{value / 1024.0:0.#} KB",
        _ => $"{value} bytes",
    };

    /// <summary>The sidecar's shape (internal: the public view is <see cref="UploadInfo"/>).</summary>
    private sealed class UploadRecord
    {
        public Guid Id { get; set; }
        public Guid OwnerId { get; set; }
        public Guid SessionId { get; set; }
        public string FileName { get; set; } = "";
        public UploadKind Kind { get; set; }
        public long Length { get; set; }
        public long Offset { get; set; }
        public bool SignatureChecked { get; set; }
        public string? RejectedReason { get; set; }
        public Dictionary<string, string?> Metadata { get; set; } = [];
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public DateTimeOffset ExpiresAt { get; set; }
    }
}
