namespace Ret.Server.Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test binaries that holds Ret.slnx.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ret.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Ret.slnx not found above " + AppContext.BaseDirectory);
    }
}
