using System.Text.Json;
using Ret.Cli;
using Ret.Conversion;
using Ret.Conversion.Archives;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

// ret-cli: scan and convert XML exports from the command line. See README.md for options and exit codes.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return args.Length == 0 || args[0] is "-h" or "--help" or "help"
        ? Usage(Console.Out, ExitCodes.Success)
        : args[0] switch
        {
            "scan" => await Commands.ScanAsync(args[1..], cancel.Token),
            "convert" => await Commands.ConvertAsync(args[1..], cancel.Token),
            "--version" or "version" => Print($"ret-cli {EngineInfo.Version}"),
            _ => throw new CliUsageException($"Unknown command '{args[0]}'."),
        };
}
catch (CliUsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return Usage(Console.Error, ExitCodes.Usage);
}
catch (FileNotFoundException ex)
{
    Console.Error.WriteLine($"error: input not found: {ex.FileName ?? ex.Message}");
    return ExitCodes.InputNotFound;
}
catch (DirectoryNotFoundException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.InputNotFound;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.InvalidOption;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return ExitCodes.Cancelled;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Error;
}

static int Print(string text)
{
    Console.WriteLine(text);
    return ExitCodes.Success;
}

static int Usage(TextWriter writer, int code)
{
    writer.WriteLine("""
        usage:
          ret-cli scan INPUT [--json] [--prefix P ...] [--folder-level N] [--temp DIR]
          ret-cli convert INPUT -o DIR [--format csv|xlsx] [--mode wide|relational] [--record NAME|PATH]
                                [--group G ...] [--threads N] [--source-file] [--context columns|table]
                                [--bom] [--delimiter C] [--raw-formulas] [--temp DIR] [--quiet]
          ret-cli --version

        INPUT is a ZIP, an XML file or a folder. Exit codes: 0 ok, 1 some files failed, 2 usage,
        3 input not found, 4 invalid option or unknown group, 5 error, 130 cancelled.
        """);
    return code;
}

/// <summary>The two commands.</summary>
internal static class Commands
{
    public static async Task<int> ScanAsync(string[] args, CancellationToken ct)
    {
        var parsed = CliArguments.Parse(args, ["--prefix", "--folder-level", "--temp"], ["--json"]);
        var input = SingleInput(parsed);
        var options = new ScanOptions { Grouping = Grouping(parsed), TempDirectory = parsed.Value("--temp") };
        ScanReport report;
        using (var bar = new ProgressBar())
        {
            report = await ArchiveScanner.ScanAsync(input, options, bar, ct);
        }
        if (parsed.Has("--json"))
        {
            Console.WriteLine(RetJsonContext.Serialize(report));
            return ExitCodes.Success;
        }

        Console.WriteLine($"{report.Input}: {report.XmlFileCount} XML files, {report.SkippedCount} skipped, {report.RejectedCount} rejected, {report.TotalBytes / 1e6:N1} MB");
        if (report.StoppedReason is not null) Console.WriteLine($"STOPPED: {report.StoppedReason}");
        foreach (var group in report.Groups)
        {
            Console.WriteLine($"group {group.Name}: {group.FileCount} files, {group.Bytes / 1e6:N2} MB");
            foreach (var table in group.Tables)
            {
                Console.WriteLine($"  table {table.Name}: record {string.Join(" | ", table.RecordPaths)} ({table.Files.Count} files)");
                if (table.Columns.Count > 0)
                    Console.WriteLine($"    columns (preview): {string.Join(", ", table.Columns.Take(12))}{(table.Columns.Count > 12 ? ", …" : "")}");
            }
        }
        foreach (var entry in report.Entries.Where(e => e.Kind is EntryKind.Skipped or EntryKind.Rejected || e.Reason is not null))
            Console.WriteLine($"  {entry.Kind.ToString().ToLowerInvariant(),-8} {entry.Path}: {entry.Reason}");
        return ExitCodes.Success;
    }

    public static async Task<int> ConvertAsync(string[] args, CancellationToken ct)
    {
        var parsed = CliArguments.Parse(
            args,
            ["--output", "--format", "--mode", "--record", "--group", "--threads", "--context", "--delimiter", "--temp", "--prefix", "--folder-level"],
            ["--source-file", "--bom", "--raw-formulas", "--quiet"],
            new Dictionary<string, string> { ["-o"] = "--output", ["-f"] = "--format", ["-m"] = "--mode", ["-g"] = "--group", ["-t"] = "--threads", ["-r"] = "--record" });
        var input = SingleInput(parsed);
        var output = parsed.Value("--output") ?? throw new CliUsageException("convert needs -o DIR.");
        var options = new ConvertOptions
        {
            Format = Enum<OutputFormat>(parsed.Value("--format") ?? "csv", "--format"),
            Mode = Enum<RepeatMode>(parsed.Value("--mode") ?? "wide", "--mode"),
            Context = Enum<ContextMode>(parsed.Value("--context") ?? "columns", "--context"),
            RecordOverride = parsed.Value("--record"),
            Groups = parsed.Values("--group"),
            Threads = Int(parsed.Value("--threads"), Environment.ProcessorCount, "--threads"),
            IncludeSourceFile = parsed.Has("--source-file"),
            Bom = parsed.Has("--bom"),
            NeutraliseFormulas = !parsed.Has("--raw-formulas"),
            Delimiter = Delimiter(parsed.Value("--delimiter")),
            TempDirectory = parsed.Value("--temp"),
        };

        ConversionManifest manifest;
        using (var bar = new ProgressBar())
        {
            ScanReport? plan = null;
            if (parsed.Values("--prefix").Count > 0 || parsed.Value("--folder-level") is not null)
                plan = await ArchiveScanner.ScanAsync(input, new ScanOptions { Grouping = Grouping(parsed), TempDirectory = options.TempDirectory }, bar, ct);
            manifest = await Converter.ConvertAsync(input, plan, options, output, parsed.Has("--quiet") ? null : bar, ct);
        }

        if (!parsed.Has("--quiet"))
        {
            foreach (var table in manifest.Tables)
                Console.WriteLine($"{table.File}: {table.Rows:N0} rows, {table.Columns.Count} columns");
            foreach (var file in manifest.Files.Where(f => f.Error is not null))
                Console.Error.WriteLine($"FAILED {file.Path}: {file.Error!.Message}{(file.Error.Line is { } l ? $" (line {l}, position {file.Error.Position})" : "")}");
            var t = manifest.Timings;
            Console.WriteLine($"{manifest.Files.Count - manifest.FailedFiles}/{manifest.Files.Count} files, {manifest.TotalRows:N0} rows in {t?.TotalSeconds:N2} s ({t?.MegabytesPerSecond:N1} MB/s) → {output}");
        }
        return manifest.FailedFiles > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }

    private static string SingleInput(CliArguments parsed) => parsed.Positional.Count switch
    {
        1 => parsed.Positional[0],
        0 => throw new CliUsageException("INPUT is missing."),
        _ => throw new CliUsageException($"Expected one INPUT, got {parsed.Positional.Count}."),
    };

    private static GroupingOptions Grouping(CliArguments parsed) => new()
    {
        Prefixes = parsed.Values("--prefix"),
        FolderLevel = parsed.Value("--folder-level") is { } level ? Int(level, 0, "--folder-level") : null,
    };

    private static T Enum<T>(string value, string option) where T : struct, Enum =>
        System.Enum.TryParse<T>(value, ignoreCase: true, out var result) && System.Enum.IsDefined(result)
            ? result
            : throw new ArgumentException($"{option}: '{value}' is not one of {string.Join(", ", System.Enum.GetNames<T>()).ToLowerInvariant()}.");

    private static int Int(string? value, int fallback, string option) =>
        value is null ? fallback
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
        : throw new ArgumentException($"{option}: '{value}' is not a non-negative number.");

    private static char Delimiter(string? value) => value switch
    {
        null => ',',
        "tab" or "\\t" => '\t',
        { Length: 1 } => value[0],
        _ => throw new ArgumentException("--delimiter must be one character (or 'tab')."),
    };
}
