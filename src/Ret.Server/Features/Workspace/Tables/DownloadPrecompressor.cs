using System.Collections.Concurrent;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// Deflates a finished conversion's CSV downloads in the background, right after the conversion made its tables current
/// (docs/decisions/0507): as many tables at once as there are cores (<see cref="PrecompressedCsv.DeflateFileAsync"/>).
/// A download that wants a table still being deflated waits for it (<see cref="WaitAsync"/>) instead of deflating it a
/// second time; the preview store's load waits for the whole run (<see cref="WaitForRunsAsync"/>) so the two do not share
/// the cores. Nothing here is persisted: after a restart, or on another node, a table without its deflated file is
/// deflated by its download, as before 0506.
/// </summary>
public sealed class DownloadPrecompressor(ILogger<DownloadPrecompressor> logger)
{
    private readonly ConcurrentDictionary<string, Task> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _runs = new(StringComparer.Ordinal);

    /// <summary>A table to deflate: the engine's CSV and its formula-like fields from the manifest.</summary>
    public sealed record Table(string CsvPath, long? FormulaCells);

    /// <summary>Starts deflating the downloads of a conversion's CSV tables in <paramref name="runDir"/>, as
    /// <see cref="Start(string, IReadOnlyList{Table}, CsvExportOptions)"/>.</summary>
    public Task Start(string runDir, Ret.Conversion.Conversion.ConversionManifest manifest, CsvExportOptions options)
        => Start(runDir, manifest.Tables.Select(t => new Table(Path.Combine(runDir, t.File), t.FormulaCells)).ToList(), options);

    /// <summary>Starts deflating the downloads of <paramref name="tables"/> (the engine's CSVs in <paramref name="runDir"/>)
    /// and returns at once; the task ends when all are written or given up (it never fails). A table that fails is logged
    /// and left to its download.</summary>
    public Task Start(string runDir, IReadOnlyList<Table> tables, CsvExportOptions options)
    {
        var gates = tables.ToDictionary(t => t.CsvPath, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        foreach (var (file, gate) in gates)
        {
            _files[file] = gate.Task;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runs[runDir] = done.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(tables, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                    async (table, _) => await DeflateAsync(runDir, table, options, gates[table.CsvPath]));
            }
            finally
            {
                _runs.TryRemove(new KeyValuePair<string, Task>(runDir, done.Task));
                done.TrySetResult();
            }
        });
        return done.Task;
    }

    private async Task DeflateAsync(string runDir, Table table, CsvExportOptions options, TaskCompletionSource gate)
    {
        try
        {
            await PrecompressedCsv.DeflateFileAsync(table.CsvPath, table.FormulaCells, options, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (Directory.Exists(runDir))
            {
                logger.LogWarning(ex, "The deflated download of {File} could not be prepared; it will be deflated when downloaded", Path.GetFileName(table.CsvPath));
            }
            // else: the run was removed meanwhile (session deleted, a newer conversion): nothing to prepare any more
        }
        finally
        {
            _files.TryRemove(new KeyValuePair<string, Task>(table.CsvPath, gate.Task));
            gate.TrySetResult();
        }
    }

    /// <summary>Waits until <paramref name="csvPath"/>'s deflated file is written or given up, if it is being made.</summary>
    public Task WaitAsync(string csvPath, CancellationToken cancellationToken)
        => _files.TryGetValue(csvPath, out var task) ? task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Waits until every deflated file of the runs in <paramref name="directory"/> (a run's folder, or a folder
    /// that holds runs: a session's) is written or given up: before the preview store's load, and before the folder is
    /// deleted (a file created during a recursive delete would keep the folder).</summary>
    public Task WaitForRunsAsync(string directory, CancellationToken cancellationToken)
    {
        var inside = directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var runs = _runs.Where(r => r.Key == directory || r.Key.StartsWith(inside, StringComparison.Ordinal)).Select(r => r.Value).ToList();
        return runs.Count == 0 ? Task.CompletedTask : Task.WhenAll(runs).WaitAsync(cancellationToken);
    }
}
