using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>The scan job extracts the files it reads whole and the session's next conversion merges those spills
/// (ADR 0111): the conversion takes and deletes them, its tables are those of a conversion that reads every file, and a
/// new upload, a deleted session, another input or the expiry each drop them.</summary>
public sealed class ScanExtractionTests(WorkspaceFactory factory) : IClassFixture<WorkspaceFactory>
{
    private ScanExtractions Extractions => factory.Services.GetRequiredService<ScanExtractions>();

    [Fact]
    public async Task The_next_conversion_takes_the_scans_extraction_and_writes_what_reading_the_files_again_writes()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "extracted");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip",
            new ByteArrayContent(PrecompressedDownloadTests.TwoGroupExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        var cache = Extractions.DirectoryOf(Guid.Parse(session));
        Assert.NotNull(cache);
        Assert.Equal(2, Directory.GetFiles(cache, "*.spill").Length); // items.xml and partners.xml

        var first = await ConvertAsync(http, session);
        Assert.Null(Extractions.DirectoryOf(Guid.Parse(session)));
        Assert.False(Directory.Exists(cache), "the conversion left the scan's spills behind");

        // The same request again: no extraction is left, so this conversion reads both files itself.
        var second = await ConvertAsync(http, session);
        Assert.Equal(second.Keys.Order(), first.Keys.Order());
        foreach (var (name, bytes) in second.Where(e => e.Key != "manifest.json"))
        {
            Assert.True(bytes.AsSpan().SequenceEqual(first[name]), $"{name} differs");
        }

        // The manifests differ in their timings and ids only.
        string Part(byte[] manifest, string property)
            => System.Text.Json.JsonDocument.Parse(manifest).RootElement.GetProperty(property).GetRawText();
        Assert.Equal(Part(second["manifest.json"], "tables"), Part(first["manifest.json"], "tables"));
        Assert.Equal(Part(second["manifest.json"], "files"), Part(first["manifest.json"], "files"));
        Assert.Contains("I1", System.Text.Encoding.UTF8.GetString(first["ITEMS.csv"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_upload_or_deleting_the_session_deletes_the_extraction()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "dropped");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip",
            new ByteArrayContent(PrecompressedDownloadTests.TwoGroupExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        var before = Extractions.DirectoryOf(Guid.Parse(session));
        Assert.NotNull(before);

        // Another file: the spills of the files before it go at once; the scan it starts extracts all three.
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/more.xml",
            new StringContent("<Export><Order><No>O-1</No></Order><Order><No>O-2</No></Order></Export>"))).StatusCode);
        Assert.False(Directory.Exists(before), "a new upload left the old extraction");
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        var after = Extractions.DirectoryOf(Guid.Parse(session));
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.Equal(3, Directory.GetFiles(after, "*.spill").Length);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/workspace/sessions/{session}")).StatusCode);
        Assert.Null(Extractions.DirectoryOf(Guid.Parse(session)));
        Assert.False(Directory.Exists(after), "deleting the session left its extraction");
    }

    [Fact]
    public async Task A_cache_is_handed_out_once_only_for_its_input_and_before_it_expires()
    {
        using var temp = new TempFolder();
        var input = Path.Combine(temp.Path, "in");
        Directory.CreateDirectory(input);
        await File.WriteAllTextAsync(Path.Combine(input, "a.xml"), "<Export><Row><A>1</A></Row><Row><A>2</A></Row></Export>");
        var clock = new TestClock();
        var minutes = new WorkspaceOptions { ScanExtractionMinutes = 30 };
        using var registry = new ScanExtractions(new FixedMonitor(minutes), clock, NullLogger<ScanExtractions>.Instance);
        async Task<ExtractionCache> ExtractAsync(string name)
            => (await Converter.ScanAndExtractAsync(input, new ScanOptions(), Path.Combine(temp.Path, name))).Cache;
        var fingerprint = ScanExtractions.Fingerprint(input);
        var session = Guid.NewGuid();

        // Taken once, for the same input.
        registry.Put(session, await ExtractAsync("c1"), fingerprint);
        using (var taken = registry.Take(session, fingerprint))
        {
            Assert.NotNull(taken);
            Assert.Equal(1, taken.FileCount);
        }

        Assert.Null(registry.Take(session, fingerprint));

        // Not for an input that changed since the scan: deleted instead.
        registry.Put(session, await ExtractAsync("c2"), fingerprint);
        await File.WriteAllTextAsync(Path.Combine(input, "b.xml"), "<Export><Row><A>3</A></Row></Export>");
        Assert.NotEqual(fingerprint, ScanExtractions.Fingerprint(input));
        Assert.Null(registry.Take(session, ScanExtractions.Fingerprint(input)));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "c2")));

        // Not after the expiry: deleted by the next call that looks.
        fingerprint = ScanExtractions.Fingerprint(input);
        registry.Put(session, await ExtractAsync("c3"), fingerprint);
        clock.Advance(TimeSpan.FromMinutes(31));
        registry.Put(Guid.NewGuid(), await ExtractAsync("c4"), fingerprint);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "c3")), "an expired extraction was kept");
        Assert.Null(registry.Take(session, fingerprint));

        // At most MaxCaches at once: the oldest goes.
        var sessions = new List<Guid>();
        for (var i = 0; i <= ScanExtractions.MaxCaches; i++)
        {
            sessions.Add(Guid.NewGuid());
            clock.Advance(TimeSpan.FromSeconds(1));
            registry.Put(sessions[^1], await ExtractAsync($"m{i}"), fingerprint);
        }

        Assert.Equal(ScanExtractions.MaxCaches, registry.Count);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "m0")));
        Assert.Null(registry.Take(sessions[0], fingerprint));
        Assert.True(Directory.Exists(Path.Combine(temp.Path, "m1")));

        registry.Dispose();
        Assert.Equal(0, registry.Count);
        Assert.Empty(Directory.GetDirectories(temp.Path, "m*"));
    }

    private static async Task<Dictionary<string, byte[]>> ConvertAsync(HttpClient http, string session)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { format = "csv" })).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");
        return await PrecompressedDownloadTests.ZipAsync(http, session, new { kind = "all" });
    }

    private sealed class FixedMonitor(WorkspaceOptions value) : IOptionsMonitor<WorkspaceOptions>
    {
        public WorkspaceOptions CurrentValue => value;

        public WorkspaceOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<WorkspaceOptions, string?> listener) => null;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ret-extract-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
