using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ret.Server.Infrastructure.Storage;

/// <summary>
/// Has the kernel start writing a file's bytes to disk while more of them arrive (Linux <c>sync_file_range(2)</c> with
/// <c>SYNC_FILE_RANGE_WRITE</c>: it starts the write-out of the range and waits for nothing), so the fsync that makes a
/// finished upload durable waits for the last few MiB instead of the whole file (bench/README.md, session 19). Elsewhere,
/// or once the call fails, it does nothing: the fsync then simply does all the work, as before.
/// </summary>
internal sealed class WriteBehind(SafeFileHandle file, long startOffset = 0)
{
    /// <summary>Bytes written before a write-out is started for them.</summary>
    public const long Step = 8L * 1024 * 1024;

    private const uint SyncFileRangeWrite = 2;
    private long _started = startOffset;
    private bool _off = !OperatingSystem.IsLinux();

    /// <summary>Where the write-outs started so far end (tests).</summary>
    internal long StartedUpTo => _started;

    /// <summary>False where the call is not available or has failed (tests).</summary>
    internal bool Active => !_off;

    /// <summary>The file now holds bytes up to <paramref name="writtenUpTo"/> (an offset from its start).</summary>
    public void Advance(long writtenUpTo)
    {
        if (_off || writtenUpTo - _started < Step) return;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (SyncFileRange((int)file.DangerousGetHandle(), _started, writtenUpTo - _started, SyncFileRangeWrite) != 0)
            {
                _off = true; // e.g. not supported by this file system: leave it to the fsync
                return;
            }

            _started = writtenUpTo;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException or ObjectDisposedException)
        {
            _off = true;
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    // DllImport rather than the source-generated LibraryImport, which needs unsafe code enabled for the whole project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);
#pragma warning restore SYSLIB1054
}
