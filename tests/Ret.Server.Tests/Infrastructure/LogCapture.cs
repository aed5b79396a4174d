using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>Every Serilog event of one test server, rendered with its properties and exception. Wire it in through
/// configuration (see <see cref="Settings"/>): the server's own logging set-up reads <c>Serilog:WriteTo</c>, so the
/// capture sees exactly what the real sinks see, request logging included.</summary>
public sealed class LogCapture : ILogEventSink
{
    private static readonly ConcurrentDictionary<string, LogCapture> Registry = new();
    private readonly ConcurrentQueue<string> _lines = new();

    public string Key { get; } = Guid.NewGuid().ToString("N");

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public LogCapture() => Registry[Key] = this;

    /// <summary>Adds this capture as a sink of the server under test (call from <c>ConfigureWebHost</c>). An in-memory
    /// configuration source is used, not <c>UseSetting</c>: the latter materialises empty parent keys, which Serilog's
    /// configuration reader takes for sink names.</summary>
    public void AddTo(IWebHostBuilder builder)
        => builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(Settings));

    /// <summary>Configuration entries that add this capture as a sink and log everything from Verbose up.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Serilog:Using:0", "Ret.Server.Tests"),
        new("Serilog:MinimumLevel:Default", "Verbose"),
        new("Serilog:WriteTo:0:Name", "RetCapture"),
        new("Serilog:WriteTo:0:Args:key", Key),
    ];

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        _lines.Enqueue($"[{logEvent.Level}] {logEvent.RenderMessage()} | {properties} | {logEvent.Exception}");
    }

    internal static ILogEventSink Find(string key) => Registry.TryGetValue(key, out var capture) ? capture : throw new InvalidOperationException("No capture " + key);
}

public static class LogCaptureSinkExtensions
{
    /// <summary>Used by Serilog.Settings.Configuration (<c>"WriteTo": [{ "Name": "RetCapture", "Args": { "key": … } }]</c>).</summary>
    public static LoggerConfiguration RetCapture(this LoggerSinkConfiguration sink, string key) => sink.Sink(LogCapture.Find(key));
}
