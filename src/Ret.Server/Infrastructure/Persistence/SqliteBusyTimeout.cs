using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Ret.Server.Infrastructure.Persistence;

/// <summary>
/// Lets SQLite itself wait for a busy database (<c>PRAGMA busy_timeout</c>) on every connection the server opens, for as
/// long as the connection's <c>Default Timeout</c>. Without it Microsoft.Data.Sqlite answers SQLITE_BUSY by sleeping
/// 150 ms before each retry, so a write that met another write's commit — a job's progress, a lease renewal, the commit
/// after a conversion — waited at least 150 ms even when the lock was free again after a few; SQLite's own wait retries
/// after 1, 2, 5, 10 … ms and returns as soon as the lock is free (docs/decisions/0407). A lock held past the timeout
/// still ends in SQLITE_BUSY, which the library turns into its timeout error as before (503, ADR 0405).
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>Sets the connection's busy timeout to its <see cref="SqliteConnection.DefaultTimeout"/> (0: no timeout,
    /// as for the library).</summary>
    public static void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite) return;
        var milliseconds = sqlite.DefaultTimeout > 0 ? (long)sqlite.DefaultTimeout * 1000 : int.MaxValue;
        using var command = sqlite.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {Math.Min(milliseconds, int.MaxValue)}";
        command.ExecuteNonQuery();
    }
}
