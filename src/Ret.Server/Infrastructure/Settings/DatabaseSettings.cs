using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Settings;

/// <summary>Configuration source for the settings administrators change at run time (table <c>settings</c>). Added last,
/// so a stored value overrides the configuration files and environment. It starts empty; <see cref="DatabaseSettings"/>
/// fills it after the migrations ran and whenever the stored values change, and every <c>IOptionsMonitor</c> /
/// <c>IOptionsSnapshot</c> then sees the new values — no restart.</summary>
public sealed class DatabaseSettingsSource : IConfigurationSource
{
    public DatabaseSettingsProvider Provider { get; } = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}

public sealed class DatabaseSettingsProvider : ConfigurationProvider
{
    public IReadOnlyDictionary<string, string?> Values => new Dictionary<string, string?>(Data, StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces every value and signals a reload when something changed.</summary>
    public bool Replace(IReadOnlyDictionary<string, string> values)
    {
        var next = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            next[key] = value;
        }

        if (next.Count == Data.Count && next.All(kv => Data.TryGetValue(kv.Key, out var v) && v == kv.Value))
        {
            return false;
        }

        Data = next;
        OnReload();
        return true;
    }
}

/// <summary>Reads and writes the stored settings and pushes them into the configuration.</summary>
public sealed class DatabaseSettings(DatabaseSettingsSource source, IServiceScopeFactory scopes, TimeProvider clock, ILogger<DatabaseSettings> logger)
{
    /// <summary>Loads the stored values into the configuration (at start, after a change, and by the refresher for
    /// changes made on another node).</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        var rows = await db.Set<SettingEntry>().AsNoTracking().ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        if (source.Provider.Replace(rows))
        {
            logger.LogInformation("Applied {Count} stored settings", rows.Count);
        }
    }

    /// <summary>Stores the given keys (null value = remove the override, falling back to files/environment) in one
    /// transaction, then applies them at once.</summary>
    public async Task SaveAsync(IReadOnlyDictionary<string, string?> changes, Guid? actorId, CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            var keys = changes.Keys.ToList();
            var existing = await db.Set<SettingEntry>().Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, ct);
            foreach (var (key, value) in changes)
            {
                existing.TryGetValue(key, out var row);
                if (value is null)
                {
                    if (row is not null)
                    {
                        db.Remove(row);
                    }
                }
                else if (row is null)
                {
                    db.Add(new SettingEntry { Key = key, Value = value, UpdatedAt = now, UpdatedById = actorId });
                }
                else
                {
                    row.Value = value;
                    row.UpdatedAt = now;
                    row.UpdatedById = actorId;
                }
            }

            await db.SaveChangesAsync(ct);
        }

        await LoadAsync(ct);
    }
}

/// <summary>Polls the settings table so that a change made on another node applies here too (within
/// <c>Settings:RefreshSeconds</c>, default 15).</summary>
internal sealed class DatabaseSettingsRefresher(DatabaseSettings settings, IConfiguration configuration, ILogger<DatabaseSettingsRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = Math.Clamp(configuration.GetValue("Settings:RefreshSeconds", 15), 1, 3600);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await settings.LoadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not refresh stored settings; keeping the current values");
            }
        }
    }
}

public static class DatabaseSettingsExtensions
{
    /// <summary>Registers the database-backed configuration source (last, so it wins).</summary>
    public static WebApplicationBuilder AddDatabaseSettings(this WebApplicationBuilder builder)
    {
        var source = new DatabaseSettingsSource();
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddSingleton(source);
        builder.Services.AddSingleton<DatabaseSettings>();
        builder.Services.AddHostedService<DatabaseSettingsRefresher>();
        return builder;
    }
}
