using Hangfire;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Infrastructure.Jobs;

/// <summary>Recurring clean-up of the runtime folder: removes expired temporary files and empty folders.
/// Idempotent — a re-run after a crash simply continues.</summary>
public sealed class HousekeepingJob(RuntimePaths paths, IOptions<StorageOptions> storage, TimeProvider time, ILogger<HousekeepingJob> logger)
{
    public const string RecurringId = "housekeeping";

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 3)]
    public Task<HousekeepingResult> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddHours(-storage.Value.TempFileMaxAgeHours);
        var result = DeleteOlderThan(paths.TempRoot, cutoff, cancellationToken);
        if (result.FilesDeleted > 0 || result.Failures > 0)
        {
            logger.LogInformation("Housekeeping removed {Files} expired temp files ({Bytes} bytes), {Failures} failures",
                result.FilesDeleted, result.BytesFreed, result.Failures);
        }

        return Task.FromResult(result);
    }

    internal static HousekeepingResult DeleteOlderThan(string root, DateTime cutoffUtc, CancellationToken cancellationToken)
    {
        long files = 0, bytes = 0, failures = 0;
        if (!Directory.Exists(root))
        {
            return new HousekeepingResult(0, 0, 0);
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var emptied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.LastWriteTimeUtc >= cutoffUtc)
            {
                continue;
            }

            try
            {
                var length = file.Length;
                file.Delete();
                emptied.Add(file.DirectoryName!);
                files++;
                bytes += length;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures++;
            }
        }

        // Remove folders that are empty because of this run (or long untouched), deepest first; never the root.
        // A folder created moments ago for work in progress is young and not emptied by us: it stays.
        foreach (var dir in Directory.EnumerateDirectories(root, "*", options).OrderByDescending(d => d.Length))
        {
            try
            {
                var ours = emptied.Contains(dir) || Directory.GetLastWriteTimeUtc(dir) < cutoffUtc;
                if (ours && !Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    Directory.Delete(dir);
                    emptied.Add(Path.GetDirectoryName(dir)!);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures++;
            }
        }

        return new HousekeepingResult(files, bytes, failures);
    }
}

public sealed record HousekeepingResult(long FilesDeleted, long BytesFreed, long Failures);
