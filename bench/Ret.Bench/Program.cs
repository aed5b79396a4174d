using Ret.Bench;

// ret-bench: deterministic input generator and a naive DOM baseline converter for bench/run.sh.
//   ret-bench generate DIR [--skip-big]     writes flat.xml, nested.xml, many.zip, big.xml into DIR
//   ret-bench generate DIR --small          writes a 2 MB flat.xml and a 3 MB nested.xml (smoke tests)
//   ret-bench dom-baseline INPUT.xml OUTDIR  XDocument-based converter (the "obvious" implementation)
//   ret-bench warm INPUT OUTDIR [RUNS] [THREADS] [csv|xlsx]
//                                            converts RUNS times in one process (as the server does, warm JIT)
//                                            and prints wall and process CPU seconds per run
//                                            (BENCH_WARM_FIRST=SMALL_INPUT converts that once first, untimed)
//   ret-bench reader-baseline INPUT.xml [RUNS]
//                                            the ceiling: one XmlReader pass with the engine's settings, reading
//                                            every name, attribute and text value and nothing else (no output)
//   ret-bench fast-reader-baseline INPUT.xml [RUNS]
//                                            the same pass with the engine's fast UTF-8 reader (docs/decisions/0109)
if (args.Length >= 2 && args[0] == "generate")
{
    if (args.Contains("--small"))
    {
        Generator.Small(args[1]);
    }
    else
    {
        Generator.All(args[1], skipBig: args.Contains("--skip-big"));
    }

    return 0;
}
if (args.Length == 3 && args[0] == "dom-baseline")
{
    DomBaseline.Convert(args[1], args[2]);
    return 0;
}
if (args.Length >= 2 && args[0] is "reader-baseline" or "fast-reader-baseline")
{
    var runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1;
    ReaderBaseline.Run(args[1], runs, fast: args[0] == "fast-reader-baseline");
    return 0;
}
if (args.Length >= 3 && args[0] == "warm")
{
    var runs = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5;
    var threads = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1;
    var format = args.Length > 5 && args[5] == "xlsx" ? Ret.Conversion.Conversion.OutputFormat.Xlsx : Ret.Conversion.Conversion.OutputFormat.Csv;
    var bytes = args[1].EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? new FileInfo(args[1]).Length : 0;
    var process = System.Diagnostics.Process.GetCurrentProcess();
    if (Environment.GetEnvironmentVariable("BENCH_SCAN_ONLY") == "1")
    {
        for (var i = 0; i < runs; i++)
        {
            process.Refresh();
            var scanCpu = process.TotalProcessorTime;
            var scanClock = System.Diagnostics.Stopwatch.StartNew();
            var report = await Ret.Conversion.Scanning.ArchiveScanner.ScanAsync(args[1], new Ret.Conversion.Scanning.ScanOptions { Threads = threads });
            process.Refresh();
            Console.WriteLine(System.FormattableString.Invariant(
                $"scan {i + 1}: wall {scanClock.Elapsed.TotalSeconds:F3} s, cpu {(process.TotalProcessorTime - scanCpu).TotalSeconds:F3} s, {report.TotalBytes / 1e6:F1} MB"));
        }
        return 0;
    }
    // BENCH_WARM_FIRST=INPUT converts another (small) input once first, as the server's start-up warm-up does.
    if (Environment.GetEnvironmentVariable("BENCH_WARM_FIRST") is { Length: > 0 } warmInput)
    {
        var warmClock = System.Diagnostics.Stopwatch.StartNew();
        await Ret.Conversion.Conversion.Converter.ConvertAsync(warmInput, null,
            new Ret.Conversion.Conversion.ConvertOptions { Threads = threads, Format = format }, args[2] + ".warm");
        Directory.Delete(args[2] + ".warm", recursive: true);
        Console.WriteLine(System.FormattableString.Invariant($"warm-up on {Path.GetFileName(warmInput)}: {warmClock.Elapsed.TotalSeconds:F3} s"));
    }
    for (var i = 0; i < runs; i++)
    {
        if (Directory.Exists(args[2])) Directory.Delete(args[2], recursive: true);
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var manifest = await Ret.Conversion.Conversion.Converter.ConvertAsync(args[1], null,
            new Ret.Conversion.Conversion.ConvertOptions { Threads = threads, Format = format }, args[2]);
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var used = (process.TotalProcessorTime - cpu).TotalSeconds;
        var t = manifest.Timings!;
        var mb = (bytes > 0 ? bytes : t.Bytes) / 1e6;
        Console.WriteLine(System.FormattableString.Invariant(
            $"run {i + 1}: wall {wall:F3} s ({mb / wall:F0} MB/s), cpu {used:F3} s ({mb / used:F0} MB/s per cpu-second), scan {t.ScanSeconds:F3} extract {t.ExtractSeconds:F3} merge {t.MergeSeconds:F3}"));
    }
    return 0;
}
Console.Error.WriteLine("usage: ret-bench generate DIR [--skip-big] | ret-bench dom-baseline INPUT.xml OUTDIR | ret-bench warm INPUT OUTDIR [RUNS] [THREADS] [csv|xlsx] | ret-bench reader-baseline INPUT.xml [RUNS]");
return 2;
