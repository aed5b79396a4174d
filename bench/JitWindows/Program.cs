using System.Globalization;
using Microsoft.Diagnostics.Tracing;

// jit-windows TRACE.nettrace WINDOWS.txt
// Reads the runtime's JIT events from a dotnet-trace file (provider Microsoft-Windows-DotNETRuntime:0x10:5) and prints, for
// each window (lines "LABEL START END", epoch seconds), how many methods were compiled in it and for how long, by tier:
// "first" = compiled for the first time (tier 0 / quick JIT; blocks the thread that called the method), "dynamic" =
// dynamicClass methods (EF Core's compiled queries, LINQ expressions; optimised at once, also blocking), "tier 1" =
// recompilations of hot code (a background thread). Used by bench/jit-first-journey.sh (bench/README.md, session 18).
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: jit-windows TRACE.nettrace WINDOWS.txt");
    return 2;
}

var windows = File.ReadAllLines(args[1]).Where(l => l.Trim().Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Select(p => (Label: p[0], Start: double.Parse(p[1], CultureInfo.InvariantCulture), End: double.Parse(p[2], CultureInfo.InvariantCulture)))
    .ToList();
var started = new Dictionary<long, double>();
var methods = new List<(double At, string Kind, double Ms)>();
using (var source = new EventPipeEventSource(args[0]))
{
    source.Clr.MethodJittingStarted += e => started[e.MethodID] = e.TimeStampRelativeMSec;
    source.Clr.MethodLoadVerbose += e =>
    {
        var ms = started.Remove(e.MethodID, out var start) ? e.TimeStampRelativeMSec - start : 0;
        var at = (e.TimeStamp.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        var tier = e.OptimizationTier.ToString();
        var kind = e.MethodNamespace.StartsWith("dynamicClass", StringComparison.Ordinal) ? "dynamic"
            : tier.StartsWith("QuickJitted", StringComparison.Ordinal) ? "first"
            : tier.StartsWith("OptimizedTier1", StringComparison.Ordinal) ? "tier 1"
            : "other";
        methods.Add((at, kind, ms));
    };
    source.Process();
}

Console.WriteLine($"{"window",-14} {"methods",8} {"ms",7} | {"first",6} {"ms",6} | {"dynamic",7} {"ms",6} | {"tier 1",6} {"ms",6}");
foreach (var (label, start, end) in windows)
{
    var w = methods.Where(m => m.At >= start && m.At < end).ToList();
    string Of(string kind) => FormattableString.Invariant($"{w.Count(m => m.Kind == kind),6} {w.Where(m => m.Kind == kind).Sum(m => m.Ms),6:0}");
    Console.WriteLine(FormattableString.Invariant($"{label,-14} {w.Count,8} {w.Sum(m => m.Ms),7:0} | {Of("first")} | {Of("dynamic"),7} | {Of("tier 1")}"));
}

return 0;
