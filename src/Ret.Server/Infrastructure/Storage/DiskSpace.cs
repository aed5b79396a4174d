namespace Ret.Server.Infrastructure.Storage;

/// <summary>Recognises "the disk is full" wherever it surfaces (a file write, a parallel conversion's aggregate, DuckDB),
/// so every path can answer it the same way: a clear message, nothing half-written kept, an operations event.</summary>
public static class DiskSpace
{
    /// <summary>What users are told: the request or job stopped, nothing of it was kept, and it can be repeated.</summary>
    public const string FullMessage = "The server's storage is full.";

    private const int Enospc = 28;        // Linux and macOS: no space left on device
    private const int EdquotLinux = 122;  // disk quota exceeded
    private const int EdquotMac = 69;
    private const int WinDiskFull = 112;  // ERROR_DISK_FULL
    private const int WinHandleDiskFull = 39; // ERROR_HANDLE_DISK_FULL

    /// <summary>True when <paramref name="exception"/> or one it wraps says the storage has no space left.</summary>
    public static bool IsFull(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            if (exception is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Any(IsFull);
            }

            if (exception is IOException io && IsFullCode(io.HResult))
            {
                return true;
            }

            // DuckDB and SQLite report the OS error in their message only. Other exceptions' messages are not read: an
            // XML error can quote the document, and a crafted one must not pass for a full disk.
            if (exception is IOException or System.Data.Common.DbException
                && (exception.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("database or disk is full", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            exception = exception.InnerException;
        }

        return false;
    }

    /// <summary>Unix: the raw errno (EDQUOT differs between Linux and macOS); Windows: an HRESULT whose low word is the
    /// Win32 error.</summary>
    private static bool IsFullCode(int hresult)
        => OperatingSystem.IsWindows() ? (hresult & 0xFFFF) is WinDiskFull or WinHandleDiskFull
            : hresult == Enospc || hresult == (OperatingSystem.IsMacOS() ? EdquotMac : EdquotLinux);

    /// <summary>Bytes the current user may still write on the file system holding <paramref name="path"/>, or null when
    /// it cannot be read.</summary>
    public static long? FreeBytes(string path)
    {
        try
        {
            return new DriveInfo(path).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
