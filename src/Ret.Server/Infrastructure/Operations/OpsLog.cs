using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Operations;

/// <summary>What the system reports about itself.</summary>
public sealed record OpsEvent(string Level, string Category, string Message)
{
    /// <summary>Serialised to JSON. Facts only (ids, sizes, limits), never a secret.</summary>
    public object? Details { get; init; }

    public string? RequestId { get; init; }
}

/// <summary>The operations log (ops_log). Writing never blocks and never throws: entries go to a bounded queue that a
/// background writer saves in batches, so a flood (a rate-limit attack) cannot slow requests or fill the database —
/// entries beyond the queue are dropped and counted, and <see cref="WriteThrottled"/> keeps one entry per key a minute.</summary>
public interface IOpsLog
{
    void Write(OpsEvent entry);

    /// <summary>At most one entry per <paramref name="key"/> per minute; the next one says how many were folded into it.</summary>
    void WriteThrottled(string key, OpsEvent entry);
}

public sealed class OpsLog : IOpsLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan ThrottleWindow = TimeSpan.FromMinutes(1);

    private readonly Channel<OpsLogEntry> _queue = Channel.CreateBounded<OpsLogEntry>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false when full (counted), never blocks
        SingleReader = true,
    });

    private readonly ConcurrentDictionary<string, Throttle> _throttles = new();
    private readonly TimeProvider _clock;
    private readonly IHttpContextAccessor _http;
    private long _dropped;
    private long _lastSweepTicks;

    public OpsLog(TimeProvider clock, IHttpContextAccessor http)
    {
        _clock = clock;
        _http = http;
    }

    public static string Node { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    internal ChannelReader<OpsLogEntry> Reader => _queue.Reader;

    /// <summary>Entries lost because the queue was full (reported in the next entry that fits).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(OpsEvent entry) => Enqueue(entry, suppressed: 0);

    public void WriteThrottled(string key, OpsEvent entry)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var throttle = _throttles.GetOrAdd(key, _ => new Throttle());
        int suppressed;
        lock (throttle)
        {
            if (throttle.LastWritten is { } last && now - last < ThrottleWindow)
            {
                throttle.Suppressed++;
                return;
            }

            suppressed = throttle.Suppressed;
            throttle.Suppressed = 0;
            throttle.LastWritten = now;
        }

        if (_throttles.Count > 10_000 && now - LastSweep >= ThrottleWindow)
        {
            // Keys are client addresses under attack: forget old ones rather than grow without bound. At most once a
            // window, so a flood of fresh keys does not make every rejection walk the whole map.
            LastSweep = now;
            foreach (var (k, t) in _throttles)
            {
                if (t.LastWritten is { } w && now - w > ThrottleWindow)
                {
                    _throttles.TryRemove(k, out _);
                }
            }
        }

        Enqueue(entry, suppressed);
    }

    internal void Complete() => _queue.Writer.TryComplete();

    private DateTime LastSweep
    {
        get => new(Interlocked.Read(ref _lastSweepTicks), DateTimeKind.Utc);
        set => Interlocked.Exchange(ref _lastSweepTicks, value.Ticks);
    }

    private void Enqueue(OpsEvent entry, int suppressed)
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        object? details = entry.Details;
        if (suppressed > 0 || dropped > 0)
        {
            var merged = entry.Details is null
                ? new Dictionary<string, object?>()
                : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(entry.Details, Json), Json) ?? [];
            if (suppressed > 0)
            {
                merged["alsoInLastMinute"] = suppressed;
            }

            if (dropped > 0)
            {
                merged["droppedBefore"] = dropped;
            }

            details = merged;
        }

        var row = new OpsLogEntry
        {
            At = _clock.GetUtcNow().UtcDateTime,
            Level = entry.Level,
            Category = entry.Category,
            Message = Truncate(entry.Message, 500)!,
            Details = details is null ? null : Truncate(JsonSerializer.Serialize(details, Json), 4000),
            RequestId = Truncate(entry.RequestId ?? _http.HttpContext?.TraceIdentifier, 64),
            Node = Truncate(Node, 128),
        };
        if (!_queue.Writer.TryWrite(row))
        {
            Interlocked.Add(ref _dropped, dropped + 1);
        }
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    private sealed class Throttle
    {
        public DateTime? LastWritten { get; set; }

        public int Suppressed { get; set; }
    }
}

/// <summary>Saves queued entries in batches (every 250 ms at most); drains the queue on shutdown. A database outage
/// costs entries (logged to the application log), never a request.</summary>
public sealed class OpsLogWriter(OpsLog log, IServiceScopeFactory scopes, ILogger<OpsLogWriter> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = log.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await SaveBatchAsync(reader, CancellationToken.None);
                await Task.Delay(250, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        log.Complete();
        while (log.Reader.TryPeek(out _) && !cancellationToken.IsCancellationRequested)
        {
            await SaveBatchAsync(log.Reader, cancellationToken);
        }
    }

    private async Task SaveBatchAsync(ChannelReader<OpsLogEntry> reader, CancellationToken ct)
    {
        var batch = new List<OpsLogEntry>(BatchSize);
        while (batch.Count < BatchSize && reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            db.Set<OpsLogEntry>().AddRange(batch);
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not save {Count} operations-log entries", batch.Count);
        }
    }
}
