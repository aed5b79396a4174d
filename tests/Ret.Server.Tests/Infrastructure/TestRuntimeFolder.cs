namespace Ret.Server.Tests.Infrastructure;

/// <summary>A private runtime folder (<c>RET_RUNTIME_ROOT</c>) for a test that starts real server processes; removed on dispose.</summary>
public sealed class TestRuntimeFolder(string prefix) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ret-tests", prefix + "-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // never created, or a killed process's file still held for a moment: the OS temp cleaner gets it
        }
    }
}
