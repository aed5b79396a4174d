using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Cli;

/// <summary>
/// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, CI or logs).
/// Thread-safe: the engine reports from worker threads. Redraws at most ten times a second.
/// </summary>
internal sealed class ProgressBar : IProgress<ConvertProgress>, IProgress<ScanProgress>, IDisposable
{
    private readonly Lock _lock = new();
    private readonly bool _enabled = !Console.IsErrorRedirected && !Console.IsOutputRedirected;
    private long _lastDraw;
    private bool _drawn;

    public void Report(ConvertProgress value)
    {
        var fraction = value.TotalBytes > 0 ? Math.Min(1.0, (double)value.Bytes / value.TotalBytes) : 0;
        Draw(fraction, $"{value.Phase} {value.FilesDone}/{value.FilesTotal} files, {value.Bytes / 1e6:N0}/{value.TotalBytes / 1e6:N0} MB, {value.Records:N0} records");
    }

    public void Report(ScanProgress value) =>
        Draw(-1, $"scan {value.Entries:N0} entries, {value.XmlFiles:N0} XML, {value.Bytes / 1e6:N0} MB");

    private void Draw(double fraction, string text)
    {
        if (!_enabled) return;
        lock (_lock)
        {
            var now = Environment.TickCount64;
            if (now - _lastDraw < 100 && fraction < 1) return;
            _lastDraw = now;
            const int width = 30;
            var bar = fraction < 0 ? "" : "[" + new string('#', (int)(fraction * width)).PadRight(width) + "] ";
            var line = bar + text;
            var max = Math.Max(20, SafeWidth() - 1);
            if (line.Length > max) line = line[..max];
            Console.Error.Write("\r" + line.PadRight(max));
            _drawn = true;
        }
    }

    private static int SafeWidth()
    {
        try { return Console.WindowWidth; }
        catch (IOException) { return 100; }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_drawn) Console.Error.Write("\r" + new string(' ', Math.Max(20, SafeWidth() - 1)) + "\r");
            _drawn = false;
        }
    }
}
