using System.Text;
using Ret.Server.Features.Workspace.Uploads;
using static Ret.Server.Tests.Workspace.UploadData;

namespace Ret.Server.Tests.Workspace;

public sealed class TusUploadStoreTests : IDisposable
{
    private static readonly Guid _owner = Guid.NewGuid();
    private static readonly Guid _other = Guid.NewGuid();
    private static readonly Guid _session = Guid.NewGuid();

    private readonly string _root = Directory.CreateTempSubdirectory("ret-tus-").FullName;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
    private readonly UploadLimits _limits = new() { MaxFileBytes = 10 * 1024 * 1024, CheckpointBytes = 64 * 1024, BufferBytes = 64 * 1024 };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TusUploadStore NewStore() => new(_root, _limits, _clock);

    private static UploadInfo Created(TusUploadStore store, long length, string name = "export.zip", long quota = long.MaxValue)
    {
        var result = store.Create(_owner, _session, length, Meta(name, "application/zip"), quota);
        Assert.True(result.Succeeded, result.Message);
        return result.Info!;
    }

    [Fact]
    public void Create_starts_at_offset_zero_with_a_server_generated_data_file_and_the_sanitised_name_as_metadata()
    {
        var store = NewStore();

        var info = Created(store, 1000, name: "../../etc/Export (1).zip");

        Assert.Equal(0, info.Offset);
        Assert.Equal(1000, info.Length);
        Assert.Equal("Export (1).zip", info.FileName);
        Assert.Equal(UploadKind.Zip, info.Kind);
        Assert.Equal(_session, info.SessionId);
        Assert.Equal(_clock.Now + _limits.Expiration, info.ExpiresAt);
        Assert.Equal(Path.Combine(_root, info.Id.ToString("N") + ".part"), info.DataPath);
        Assert.True(File.Exists(info.DataPath));
        Assert.True(File.Exists(Path.Combine(_root, info.Id.ToString("N") + ".json")));
        Assert.Equal("../../etc/Export (1).zip", info.Metadata["filename"]);
    }

    [Theory]
    [InlineData(0, "a.zip", UploadError.EmptyFile)]
    [InlineData(10 * 1024 * 1024 + 1, "a.zip", UploadError.FileTooLarge)]
    [InlineData(100, "a.pdf", UploadError.InvalidName)]
    [InlineData(100, "...", UploadError.InvalidName)]
    [InlineData(100, null, UploadError.InvalidName)]
    public void Create_rejects_bad_uploads_with_typed_errors(long length, string? name, UploadError expected)
    {
        var result = NewStore().Create(_owner, _session, length, Meta(name), long.MaxValue);

        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public void Create_over_the_remaining_quota_is_a_quota_error_with_a_clear_message()
    {
        var result = NewStore().Create(_owner, _session, 2 * 1024 * 1024, Meta("a.xml"), remainingQuotaBytes: 1024 * 1024);

        Assert.Equal(UploadError.QuotaExceeded, result.Error);
        Assert.Contains("quota (1 MB left)", result.Message);
    }

    [Fact]
    public async Task Appends_in_several_chunks_complete_the_upload_with_exact_bytes()
    {
        var store = NewStore();
        var data = Zip(200_000);
        var info = Created(store, data.Length);

        var first = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..3], data[3..50_003]), default);
        Assert.True(first.Succeeded, first.Message);
        Assert.Null(first.CompletedPath);
        var offset = first.Info!.Offset;
        Assert.Equal(50_003, offset);
        Assert.Equal(offset, store.GetInfo(info.Id, _owner)!.Offset);

        var second = await store.AppendAsync(info.Id, _owner, offset, new PieceStream(data[(int)offset..150_000]), default);
        Assert.Equal(150_000, second.Info!.Offset);
        var last = await store.AppendAsync(info.Id, _owner, 150_000, new PieceStream(data[150_000..]), default);

        Assert.True(last.Succeeded);
        Assert.True(last.Info!.IsComplete);
        Assert.Equal(info.DataPath, last.CompletedPath);
        Assert.Equal(data, await File.ReadAllBytesAsync(last.CompletedPath!));
    }

    [Fact]
    public async Task A_new_store_over_the_same_folder_resumes_from_the_durable_offset_and_drops_an_unacknowledged_tail()
    {
        var data = Zip(100_000);
        var info = Created(NewStore(), data.Length);
        await NewStore().AppendAsync(info.Id, _owner, 0, new PieceStream(data[..40_000]), default);
        // Simulated crash: bytes reached the data file but the offset was never updated (the request was not acknowledged).
        await using (var part = new FileStream(info.DataPath, FileMode.Append))
        {
            part.Write(new byte[12_345]);
        }

        var restarted = NewStore();
        var head = restarted.GetInfo(info.Id, _owner)!;
        Assert.Equal(40_000, head.Offset);
        var resumed = await restarted.AppendAsync(info.Id, _owner, head.Offset, new PieceStream(data[40_000..]), default);

        Assert.True(resumed.Succeeded, resumed.Message);
        Assert.Equal(data, await File.ReadAllBytesAsync(resumed.CompletedPath!));
    }

    [Fact]
    public async Task An_offset_mismatch_is_a_conflict_that_reports_the_real_offset_and_writes_nothing()
    {
        var store = NewStore();
        var data = Zip(10_000);
        var info = Created(store, data.Length);
        await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..4_000]), default);

        var result = await store.AppendAsync(info.Id, _owner, 3_000, new PieceStream(data[3_000..]), default);

        Assert.Equal(UploadError.OffsetMismatch, result.Error);
        Assert.Equal(4_000, result.Info!.Offset);
        Assert.Equal(4_000, new FileInfo(info.DataPath).Length);
    }

    [Fact]
    public async Task A_body_past_the_upload_length_is_rejected_whole_and_nothing_of_it_is_kept()
    {
        var store = NewStore();
        var data = Zip(10_000);
        var info = Created(store, data.Length);
        await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..4_000]), default);

        var result = await store.AppendAsync(info.Id, _owner, 4_000, new PieceStream(data[4_000..8_000], data[8_000..], new byte[10]), default);

        Assert.Equal(UploadError.PastLength, result.Error);
        Assert.Equal(4_000, store.GetInfo(info.Id, _owner)!.Offset);
        Assert.Equal(4_000, new FileInfo(info.DataPath).Length);
        var retry = await store.AppendAsync(info.Id, _owner, 4_000, new PieceStream(data[4_000..]), default);
        Assert.Equal(data, await File.ReadAllBytesAsync(retry.CompletedPath!));
    }

    [Fact]
    public async Task A_pdf_named_zip_is_rejected_with_a_clear_message_and_stays_rejected()
    {
        var store = NewStore();
        var pdf = Pdf(5_000);
        var info = Created(store, pdf.Length, name: "report.zip");

        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(pdf), default);

        Assert.Equal(UploadError.WrongFileType, result.Error);
        Assert.Equal("This file is not a ZIP archive (it starts like a PDF).", result.Message);
        Assert.Equal(0, new FileInfo(info.DataPath).Length);
        var again = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(Zip(5_000)), default);
        Assert.Equal(UploadError.WrongFileType, again.Error);
        Assert.Equal("This file is not a ZIP archive (it starts like a PDF).", store.GetInfo(info.Id, _owner)!.RejectedReason);
    }

    [Fact]
    public async Task The_signature_is_checked_across_appends_when_the_first_one_is_too_short_to_decide()
    {
        var store = NewStore();
        var data = Zip(1_000);
        var info = Created(store, data.Length);

        var first = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..2]), default);
        Assert.True(first.Succeeded);
        var restarted = NewStore(); // the undecided state survives a restart
        var second = await restarted.AppendAsync(info.Id, _owner, 2, new PieceStream(data[2..]), default);

        Assert.True(second.Succeeded, second.Message);
        Assert.True(second.Info!.IsComplete);

        var bad = Created(store, 1_000);
        await store.AppendAsync(bad.Id, _owner, 0, new PieceStream("PK"u8.ToArray()), default);
        var rejected = await store.AppendAsync(bad.Id, _owner, 2, new PieceStream(new byte[998]), default);
        Assert.Equal(UploadError.WrongFileType, rejected.Error);
        Assert.Equal(0, store.GetInfo(bad.Id, _owner)!.Offset);
    }

    [Theory]
    [InlineData("utf8-bom")]
    [InlineData("utf16le")]
    [InlineData("utf16be")]
    [InlineData("whitespace")]
    public async Task Xml_with_a_bom_utf16_or_leading_whitespace_is_accepted(string variant)
    {
        var data = variant switch
        {
            "utf8-bom" => [0xEF, 0xBB, 0xBF, .. "<?xml version=\"1.0\"?><root/>"u8],
            "utf16le" => Utf16Xml(bigEndian: false),
            "utf16be" => Utf16Xml(bigEndian: true),
            _ => "\r\n\t  <root/>"u8.ToArray(),
        };
        var store = NewStore();
        var info = Created(store, data.Length, name: "data.XML");

        // One byte per read, so the BOM and the first character arrive in separate pieces.
        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data.Select(b => new[] { b }).ToArray()), default);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(UploadKind.Xml, result.Info!.Kind);
        Assert.True(result.Info.IsComplete);
    }

    [Fact]
    public async Task Xml_made_only_of_whitespace_is_rejected_when_it_ends()
    {
        var store = NewStore();
        var info = Created(store, 4, name: "blank.xml");

        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream("  \r\n"u8.ToArray()), default);

        Assert.Equal(UploadError.WrongFileType, result.Error);
        Assert.Equal("This file is not an XML document (it does not start like one).", result.Message);
    }

    [Fact]
    public async Task An_empty_zip_archive_is_rejected()
    {
        var store = NewStore();
        byte[] empty = [0x50, 0x4B, 0x05, 0x06, .. new byte[18]];
        var info = Created(store, empty.Length);

        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(empty), default);

        Assert.Equal(UploadError.WrongFileType, result.Error);
        Assert.Equal("This ZIP archive is empty.", result.Message);
    }

    [Fact]
    public async Task Another_owner_sees_nothing_and_can_change_nothing()
    {
        var store = NewStore();
        var data = Zip(1_000);
        var info = Created(store, data.Length);

        Assert.Null(store.GetInfo(info.Id, _other));
        Assert.Equal(UploadError.NotFound, (await store.AppendAsync(info.Id, _other, 0, new PieceStream(data), default)).Error);
        Assert.Equal(UploadError.NotFound, (await store.DeleteAsync(info.Id, _other)).Error);
        Assert.Empty(store.List(_other, _session));
        Assert.Equal(0, store.GetInfo(info.Id, _owner)!.Offset);
        Assert.Single(store.List(_owner, _session));
    }

    [Fact]
    public async Task Delete_removes_data_and_state()
    {
        var store = NewStore();
        var info = Created(store, 1_000);
        await store.AppendAsync(info.Id, _owner, 0, new PieceStream(Zip(500)), default);

        var result = await store.DeleteAsync(info.Id, _owner);

        Assert.True(result.Succeeded);
        Assert.Null(store.GetInfo(info.Id, _owner));
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task An_unfinished_upload_expires_and_housekeeping_removes_it_with_stray_temp_files()
    {
        var store = NewStore();
        var stale = Created(store, 1_000);
        await store.AppendAsync(stale.Id, _owner, 0, new PieceStream(Zip(100)), default);
        _clock.Advance(TimeSpan.FromHours(20));
        var fresh = Created(store, 1_000);
        var strayTemp = Path.Combine(_root, Guid.NewGuid().ToString("N") + ".json.tmp-abc");
        await File.WriteAllTextAsync(strayTemp, "{");
        File.SetLastWriteTimeUtc(strayTemp, _clock.Now.UtcDateTime.AddDays(-2));

        _clock.Advance(TimeSpan.FromHours(5)); // stale: 25 h since its last append; fresh: 5 h
        Assert.Null(store.GetInfo(stale.Id, _owner));
        Assert.Equal(UploadError.NotFound, (await store.AppendAsync(stale.Id, _owner, 100, new PieceStream(new byte[10]), default)).Error);
        Assert.NotNull(store.GetInfo(fresh.Id, _owner));

        var removed = store.ExpireOlderThan(_clock.Now - _limits.Expiration);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(stale.DataPath));
        Assert.False(File.Exists(strayTemp));
        Assert.True(File.Exists(fresh.DataPath));
    }

    [Fact]
    public async Task Each_append_pushes_the_expiry_forward()
    {
        var store = NewStore();
        var info = Created(store, 1_000);
        _clock.Advance(TimeSpan.FromHours(23));

        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(Zip(100)), default);

        Assert.Equal(_clock.Now + _limits.Expiration, result.Info!.ExpiresAt);
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.NotNull(store.GetInfo(info.Id, _owner));
    }

    [Fact]
    public async Task Two_appends_at_the_same_offset_at_once_exactly_one_wins()
    {
        var store = NewStore();
        var data = Zip(100_000);
        var info = Created(store, data.Length);
        var slow = new PieceStream(data[..30_000], data[30_000..60_000]) { WaitBeforePiece = 1 };

        var first = store.AppendAsync(info.Id, _owner, 0, slow, default);
        await slow.Reached.Task; // the first request holds the upload mid-body
        var second = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..60_000]), default);
        slow.Release.SetResult();
        var winner = await first;

        Assert.True(winner.Succeeded);
        Assert.Equal(UploadError.Busy, second.Error);
        Assert.Equal(60_000, store.GetInfo(info.Id, _owner)!.Offset);
        Assert.Equal(data[..60_000], await File.ReadAllBytesAsync(info.DataPath));

        // Once the winner finished, the same request is a plain offset conflict.
        var late = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..60_000]), default);
        Assert.Equal(UploadError.OffsetMismatch, late.Error);
    }

    [Fact]
    public async Task Many_racing_appends_at_the_same_offset_leave_one_consistent_result()
    {
        var store = NewStore();
        var data = Zip(50_000);
        var info = Created(store, data.Length);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => store.AppendAsync(info.Id, _owner, 0, new PieceStream(data[..10_000], data[10_000..20_000]), default))));

        Assert.Equal(1, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Contains(r.Error, new[] { UploadError.Busy, UploadError.OffsetMismatch }));
        Assert.Equal(20_000, store.GetInfo(info.Id, _owner)!.Offset);
        Assert.Equal(data[..20_000], await File.ReadAllBytesAsync(info.DataPath));
    }

    [Fact]
    public async Task A_data_file_locked_by_another_process_or_instance_makes_the_append_busy()
    {
        var store = NewStore();
        var info = Created(store, 1_000);
        await using var foreign = new FileStream(info.DataPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        var result = await store.AppendAsync(info.Id, _owner, 0, new PieceStream(Zip(100)), default);

        Assert.Equal(UploadError.Busy, result.Error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_cancelled_or_dropped_mid_body_keeps_what_arrived_at_a_consistent_offset(bool dropped)
    {
        var store = NewStore();
        var data = Zip(300_000);
        var info = Created(store, data.Length);
        var body = new PieceStream(data[..50_000], data[50_000..100_000], data[100_000..])
        {
            FailBeforePiece = 2,
            Failure = dropped ? new IOException("connection reset") : new OperationCanceledException(),
        };

        if (dropped) await Assert.ThrowsAsync<IOException>(() => store.AppendAsync(info.Id, _owner, 0, body, default));
        else await Assert.ThrowsAsync<OperationCanceledException>(() => store.AppendAsync(info.Id, _owner, 0, body, default));

        var head = NewStore().GetInfo(info.Id, _owner)!;
        Assert.Equal(100_000, head.Offset);
        Assert.Equal(100_000, new FileInfo(info.DataPath).Length);
        var resumed = await store.AppendAsync(info.Id, _owner, head.Offset, new PieceStream(data[100_000..200_000], data[200_000..]), default);
        Assert.Equal(data, await File.ReadAllBytesAsync(resumed.CompletedPath!));
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_append_between_reads()
    {
        var store = NewStore();
        var data = Zip(100_000);
        var info = Created(store, data.Length);
        using var cts = new CancellationTokenSource();
        var body = new PieceStream(data[..40_000], data[40_000..]) { WaitBeforePiece = 1 };

        var append = store.AppendAsync(info.Id, _owner, 0, body, cts.Token);
        await body.Reached.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => append);
        Assert.Equal(40_000, store.GetInfo(info.Id, _owner)!.Offset);
    }

    [Fact]
    public async Task The_state_file_is_replaced_atomically_and_no_temp_files_are_left()
    {
        var store = NewStore();
        var data = Zip(200_000);
        var info = Created(store, data.Length);

        await store.AppendAsync(info.Id, _owner, 0, new PieceStream(Split(data, 60_000, 60_000)), default);

        Assert.Equal(2, Directory.EnumerateFiles(_root).Count());
        var json = await File.ReadAllTextAsync(Path.Combine(_root, info.Id.ToString("N") + ".json"), Encoding.UTF8);
        Assert.Contains("\"offset\":200000", json);
    }
}
