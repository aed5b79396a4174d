namespace Ret.Server.Infrastructure.Security;

/// <summary>Creates files that hold secrets with mode 0600 from the first byte (no window where they are readable).</summary>
public static class OwnerOnlyFile
{
    public static FileStream Create(string path, FileMode mode = FileMode.Create)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows() && mode != FileMode.CreateNew)
        {
            // An existing file keeps its old mode on open: tighten it.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return stream;
    }
}
