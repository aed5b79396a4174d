using Ret.Server.Infrastructure.Jobs;

namespace Ret.Server.Tests.Platform;

public sealed class HousekeepingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ret-housekeeping-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Removes_only_files_older_than_the_cutoff_and_the_folders_they_leave_empty()
    {
        var now = DateTime.UtcNow;
        var old = Write("upload-1/part.bin", 10, now.AddHours(-7));
        var oldNested = Write("scan-2/deep/x.tmp", 5, now.AddHours(-8));
        var fresh = Write("upload-3/part.bin", 20, now.AddMinutes(-5));
        Directory.SetLastWriteTimeUtc(Path.Combine(_root, "scan-2", "deep"), now.AddHours(-8));

        var result = HousekeepingJob.DeleteOlderThan(_root, now.AddHours(-6), CancellationToken.None);

        Assert.Equal(2, result.FilesDeleted);
        Assert.Equal(15, result.BytesFreed);
        Assert.False(File.Exists(old));
        Assert.False(File.Exists(oldNested));
        Assert.True(File.Exists(fresh));
        Assert.False(Directory.Exists(Path.Combine(_root, "scan-2", "deep")));
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public void Missing_root_is_not_an_error()
    {
        var result = HousekeepingJob.DeleteOlderThan(Path.Combine(_root, "absent"), DateTime.UtcNow, CancellationToken.None);

        Assert.Equal(0, result.FilesDeleted);
    }

    private string Write(string relative, int bytes, DateTime lastWrite)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }
}
