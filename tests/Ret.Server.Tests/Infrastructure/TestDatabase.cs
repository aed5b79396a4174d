using Npgsql;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>Which real database the integration tests run on. SQLite by default (a file per test class);
/// PostgreSQL when <c>RET_TEST_POSTGRES</c> holds a server connection string (one fresh database per class).</summary>
public static class TestDatabase
{
    public static string? PostgresServer => Environment.GetEnvironmentVariable("RET_TEST_POSTGRES");

    public static bool UsePostgres => !string.IsNullOrWhiteSpace(PostgresServer);

    /// <summary>Creates an empty PostgreSQL database and returns its connection string.</summary>
    public static string CreatePostgresDatabase()
    {
        var name = "ret_test_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(PostgresServer))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, Pooling = false }.ConnectionString;
    }

    /// <summary>Best-effort clean-up: a background worker of the disposed host may reconnect for a moment, so the
    /// drop is retried; a database that still cannot be dropped is left for the CI machine to discard.</summary>
    public static void DropPostgresDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = new NpgsqlConnection(PostgresServer);
                connection.Open();
                using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                command.ExecuteNonQuery();
                return;
            }
            catch (PostgresException) when (attempt < 5)
            {
                Thread.Sleep(500 * attempt);
            }
            catch (PostgresException)
            {
                return;
            }
        }
    }
}
