using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Workspace;

/// <summary>The on-disk layout of workspace sessions. Nothing else composes these paths:
/// <code>
/// {storage}/workspace/{sessionId}/input/{fileId}.zip|.xml   uploaded files (server-generated names)
///                                 /scan.json                 the latest scan report
///                                 /runs/{jobId}/             one conversion's tables + manifest.json
///                                 /tables.duckdb             the current tables, for preview and edits
/// {storage}/uploads/                                         resumable uploads in progress
/// </code></summary>
public sealed class WorkspaceStorage(RuntimePaths paths)
{
    public string Root { get; } = Path.Combine(paths.StorageRoot, "workspace");

    public string UploadsRoot { get; } = Path.Combine(paths.StorageRoot, "uploads");

    public string TempRoot => paths.TempRoot;

    public string SessionDir(Guid sessionId) => Path.Combine(Root, sessionId.ToString("N"));

    public string InputDir(Guid sessionId) => Path.Combine(SessionDir(sessionId), "input");

    public string ScanFile(Guid sessionId) => Path.Combine(SessionDir(sessionId), "scan.json");

    public string RunDir(Guid sessionId, Guid jobId) => Path.Combine(SessionDir(sessionId), "runs", jobId.ToString("N"));

    public string TablesDatabase(Guid sessionId) => Path.Combine(SessionDir(sessionId), "tables.duckdb");

    /// <summary>A fresh scratch folder for one job attempt (removed by the job, or later by housekeeping).</summary>
    public string NewTempDir(string purpose)
    {
        var dir = NewTempPath(purpose);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The path of a fresh scratch folder that is not created: for a writer that creates (and on failure
    /// removes) the folder itself.</summary>
    public string NewTempPath(string purpose) => Path.Combine(paths.TempRoot, $"{purpose}-{Guid.NewGuid():N}");

    /// <summary>Writes a small file atomically: temp name in the same folder, flush, rename over the target.</summary>
    public static async Task WriteAtomicAsync(string path, string content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Total bytes of files under a folder (0 when it does not exist).</summary>
    public static long SizeOf(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        long total = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            total += file.Length;
        }

        return total;
    }

    /// <summary>Best-effort recursive delete of scratch folders; what is left is removed later by housekeeping.</summary>
    public static void TryDeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    public void DeleteSession(Guid sessionId)
    {
        var dir = SessionDir(sessionId);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
