using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>The write-out started while an upload arrives (sync_file_range on Linux): started per
/// <see cref="WriteBehind.Step"/> from the given offset, without touching the file's bytes.</summary>
public sealed class WriteBehindTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ret-writebehind-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_outs_start_every_step_from_the_offset_given_and_leave_the_bytes_as_written()
    {
        var path = Path.Combine(_dir, "upload.bin");
        var chunk = new byte[1024 * 1024];
        Random.Shared.NextBytes(chunk);
        const long start = 3 * 1024 * 1024; // an append that resumes at 3 MiB
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            file.Write(new byte[start]);
            var writeBehind = new WriteBehind(file.SafeFileHandle, start);
            var position = start;
            for (var i = 0; i < 20; i++)
            {
                file.Write(chunk);
                position += chunk.Length;
                writeBehind.Advance(position);
                if (!OperatingSystem.IsLinux())
                {
                    Assert.False(writeBehind.Active);
                    Assert.Equal(start, writeBehind.StartedUpTo);
                    continue;
                }

                Assert.True(writeBehind.Active, "sync_file_range failed");
                // A write-out starts once a step's worth has arrived since the last one: at 8 and 16 MiB past the start.
                var expected = start + ((position - start) / WriteBehind.Step * WriteBehind.Step);
                Assert.Equal(expected, writeBehind.StartedUpTo);
            }

            file.Flush(flushToDisk: true);
        }

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(start + (20 * chunk.Length), bytes.Length);
        Assert.True(bytes.AsSpan((int)start, chunk.Length).SequenceEqual(chunk));
        Assert.True(bytes.AsSpan(bytes.Length - chunk.Length).SequenceEqual(chunk));
    }
}
