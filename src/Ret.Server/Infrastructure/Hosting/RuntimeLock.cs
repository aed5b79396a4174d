namespace Ret.Server.Infrastructure.Hosting;

/// <summary>An exclusive lock on <c>{runtime}/ret.lock</c>, held for the life of the process. With the embedded
/// SQLite database only one server may own a runtime folder; the operating system releases the lock when the
/// process ends, however it ends, so a crash never leaves a stale lock behind.</summary>
public sealed class RuntimeLock : IDisposable
{
    private readonly FileStream _stream;

    private RuntimeLock(FileStream stream) => _stream = stream;

    public static RuntimeLock Acquire(string runtimeRoot)
    {
        Directory.CreateDirectory(runtimeRoot);
        var path = Path.Combine(runtimeRoot, "ret.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new RuntimeLock(stream);
        }
        catch (IOException ex)
        {
            throw new StartupFailedException(
                $"Another RET server is already using the runtime folder '{runtimeRoot}'. Stop it, or set RET_RUNTIME_ROOT to another folder.", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}
