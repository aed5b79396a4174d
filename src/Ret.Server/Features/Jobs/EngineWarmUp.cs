using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;
using Ret.Server.Features.Workspace;
using Ret.Server.Features.Workspace.Tables;

namespace Ret.Server.Features.Jobs;

/// <summary>
/// Runs the engine on a small generated export in the background after start (<see cref="Rounds"/> times), on nodes
/// that run jobs, so the runtime has compiled (and profiled) the scan and conversion code before the first user's
/// job. Without it, the first scan of a fresh server took 0.43 s instead of ~0.15 s and a conversion started right
/// after it ran ~50 % slower while the runtime was still re-compiling hot code on both cores (bench/README.md,
/// "Session 4" and "Session 6").
/// <c>Workspace:WarmUpOnStart</c> turns it off. Nothing it does is visible: its files live in a temp folder that is
/// removed at the end, and a failure is only logged.
/// </summary>
public sealed class EngineWarmUp(WorkspaceStorage storage, DownloadPrecompressor precompressor, IOptions<WorkspaceOptions> options,
    IHostApplicationLifetime lifetime, ILogger<EngineWarmUp> logger) : StartupWarmUp(options, lifetime, logger)
{
    /// <summary>
    /// How often the sample is scanned and converted. One round leaves the hot code in the runtime's instrumented
    /// (profiling) tier, and the background compiler then re-compiles it while the first real scan and conversion run,
    /// on their cores. Three rounds let it reach the final tier first. Fresh server, `bench/api-e2e.sh` on a 200 MB
    /// export, two runs each: 1 round engine 1.70 / 1.94 s, 2 rounds 1.33 / 1.49 s, 3 rounds 0.95 / 1.00 s, 4 rounds
    /// 1.02 / 1.15 s (the warm-up itself: 1.2, 1.7, 2.2–2.4, 2.8 s in the background after start).
    /// </summary>
    internal const int Rounds = 3;

    protected override string FailureMessage => "The conversion engine warm-up failed; the first job compiles the engine instead";

    protected override async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        var clock = Stopwatch.StartNew();
        var dir = storage.NewTempDir("warmup");
        try
        {
            var input = Path.Combine(dir, "input");
            Directory.CreateDirectory(input);
            await WriteSampleAsync(Path.Combine(input, "Export_warmup.zip"), stoppingToken);
            for (var round = 0; round < Rounds; round++)
            {
                // As the scan job: scanning and, when that is on, extracting for the conversion (ADR 0111).
                ScanReport plan;
                ExtractionCache? extracted = null;
                if (Options.ScanExtractionMinutes > 0)
                {
                    (plan, extracted) = await Converter.ScanAndExtractAsync(input, new ScanOptions { TempDirectory = dir },
                        Path.Combine(dir, $"extract-{round}"), null, stoppingToken);
                }
                else
                {
                    plan = await ArchiveScanner.ScanAsync(input, new ScanOptions { TempDirectory = dir }, null, stoppingToken);
                }

                using var cache = extracted;
                // The scan job stores its report as JSON and the conversion reads it back (ScanStep, ConvertStep).
                plan = RetJsonContext.DeserializeScan(RetJsonContext.Serialize(plan)) ?? plan;
                // The first conversion merges the scan's spills, the second one extracts every file itself.
                foreach (var mode in new[] { RepeatMode.Wide, RepeatMode.Relational })
                {
                    var output = Path.Combine(dir, $"out-{round}-{mode}");
                    var manifest = await Converter.ConvertAsync(input, plan, new ConvertOptions
                    {
                        Mode = mode,
                        Threads = Options.ConversionThreads > 0 ? Options.ConversionThreads : Environment.ProcessorCount,
                        TempDirectory = dir,
                        Extracted = cache,
                    }, output, null, stoppingToken);
                    if (Options.PrecompressDownloads)
                    {
                        // Then the downloads are deflated, as after a real conversion (ADR 0507).
                        await precompressor.Start(output, manifest, new CsvExportOptions(NeutraliseFormulas: true, Bom: false));
                    }

                    WorkspaceStorage.TryDeleteDirectory(output);
                }
            }
        }
        finally
        {
            WorkspaceStorage.TryDeleteDirectory(dir);
        }

        Logger.LogInformation("Conversion engine warmed up in {Seconds:0.00} s", clock.Elapsed.TotalSeconds);
    }

    /// <summary>Small files in the sample (<see cref="Rounds"/> × this many per-file calls): the runtime promotes a method to
    /// optimised code after 1 000 calls (ADR 0504, session 13), so the per-file code of an export of many small files
    /// (open an entry, detect its record, start a spill) would otherwise run unoptimised through a first real job of
    /// fewer than 1 000 files.</summary>
    internal const int SmallFiles = 360;

    /// <summary>Two groups in the shapes the engine meets most: namespaced orders with attributes, a nested customer
    /// and repeated lines (about 3 MB), and flat records (about 1 MB), each split over a few files; and an export's
    /// nesting: a stored module ZIP of stored batch ZIPs holding <see cref="SmallFiles"/> small deflated files.</summary>
    private static async Task WriteSampleAsync(string path, CancellationToken ct)
    {
        await using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        await using (var module = zip.CreateEntry("AP_MODULE.zip", CompressionLevel.NoCompression).Open())
        {
            await WriteBatchesAsync(module, ct);
        }

        for (var part = 0; part < 3; part++)
        {
            ct.ThrowIfCancellationRequested();
            await using (var writer = new StreamWriter(zip.CreateEntry($"AR_ORDERS/orders_{part}.xml", CompressionLevel.Fastest).Open(), Encoding.UTF8))
            {
                await writer.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Export xmlns=\"urn:ret:warmup\" xmlns:x=\"urn:ret:ext\" version=\"1\">\n<Header><System>RET</System></Header>\n");
                var text = new StringBuilder();
                for (var i = 0; i < 2500; i++)
                {
                    var n = (part * 2500) + i;
                    text.Append("<Order id=\"").Append(n).Append("\" status=\"").Append(n % 3 == 0 ? "open" : "closed").Append("\">")
                        .Append("<Customer type=\"B2").Append(n % 2 == 0 ? 'B' : 'C').Append("\"><Name>Customer ").Append(n % 97)
                        .Append("</Name><Address><Street>").Append(n).Append(" Main Street</Street><City>City ").Append(n % 13)
                        .Append("</City><x:Zip>").Append(10000 + (n % 899)).Append("</x:Zip></Address></Customer><Lines>");
                    for (var line = 0; line <= n % 4; line++)
                    {
                        text.Append("<Line no=\"").Append(line + 1).Append("\"><Sku>SKU-").Append((n * 7) + line).Append("</Sku><Qty>")
                            .Append(1 + (line % 5)).Append("</Qty><Price currency=\"EUR\">").Append(n % 500).Append('.').Append(n % 100).Append("</Price></Line>");
                    }

                    text.Append("</Lines><Note>&lt;fragile&gt; &amp; handle with care</Note></Order>\n");
                }

                await writer.WriteAsync(text, ct);
                await writer.WriteAsync("</Export>\n");
            }

            await using (var writer = new StreamWriter(zip.CreateEntry($"GL_BOOKS/books_{part}.xml", CompressionLevel.Fastest).Open(), Encoding.UTF8))
            {
                var text = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<library>\n");
                for (var i = 0; i < 3000; i++)
                {
                    text.Append("<book>\n\t<title>Title ").Append(i).Append("</title>\n\t<author>Author ").Append(i % 41)
                        .Append("</author>\n\t<year>").Append(1900 + (i % 120)).Append("</year>\n</book>\n");
                }

                await writer.WriteAsync(text.Append("</library>\n"), ct);
            }
        }
    }

    private static async Task WriteBatchesAsync(Stream module, CancellationToken ct)
    {
        const int batches = 4;
        using var zip = new ZipArchive(module, ZipArchiveMode.Create, leaveOpen: true);
        for (var batch = 1; batch <= batches; batch++)
        {
            var inner = new MemoryStream();
            using (var batchZip = new ZipArchive(inner, ZipArchiveMode.Create, leaveOpen: true))
            {
                for (var f = 0; f < SmallFiles / batches; f++)
                {
                    ct.ThrowIfCancellationRequested();
                    await using var writer = new StreamWriter(batchZip.CreateEntry($"AP_INVOICE_{batch}_{f}.xml", CompressionLevel.Fastest).Open(), Encoding.UTF8);
                    var text = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Invoices>\n");
                    for (var i = 0; i < 8; i++)
                    {
                        text.Append("<Invoice><No>").Append(batch).Append('-').Append(f).Append('-').Append(i).Append("</No><Supplier code=\"S")
                            .Append(f % 17).Append("\">Supplier ").Append(f % 17).Append("</Supplier><Amount>").Append(i * 13.5).Append("</Amount></Invoice>\n");
                    }

                    await writer.WriteAsync(text.Append("</Invoices>\n"), ct);
                }
            }

            inner.Position = 0;
            await using var entry = zip.CreateEntry($"{batch}_BATCH.zip", CompressionLevel.NoCompression).Open();
            await inner.CopyToAsync(entry, ct);
        }
    }
}
