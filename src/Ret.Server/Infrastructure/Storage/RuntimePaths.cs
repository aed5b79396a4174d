using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Storage;

/// <summary>The folders RET writes to. Created on first use; nothing else in the server composes storage paths.</summary>
public sealed class RuntimePaths
{
    public RuntimePaths(IOptions<RuntimeOptions> runtime, IOptions<StorageOptions> storage)
    {
        RuntimeRoot = runtime.Value.FullRoot;
        StorageRoot = string.IsNullOrWhiteSpace(storage.Value.Root)
            ? Path.Combine(RuntimeRoot, "storage")
            : Path.GetFullPath(storage.Value.Root);
        TempRoot = Path.Combine(StorageRoot, "tmp");
        Directory.CreateDirectory(RuntimeRoot);
        Directory.CreateDirectory(StorageRoot);
        Directory.CreateDirectory(TempRoot);
    }

    public string RuntimeRoot { get; }

    public string StorageRoot { get; }

    /// <summary>Scratch space; anything here may be deleted by housekeeping once it is old enough.</summary>
    public string TempRoot { get; }
}
