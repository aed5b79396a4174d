namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// The one place SQL identifiers are produced. User-visible table and column names never reach SQL: tables are stored
/// as <c>t_{guid}</c> and columns as <c>c0…cN</c>, with the real names in the catalog. Values always go as parameters.
/// </summary>
public static class SqlIdentifier
{
    /// <summary>Double-quotes <paramref name="name"/> for DuckDB, doubling embedded quotes. Rejects empty names and NUL.</summary>
    public static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("An identifier cannot contain NUL.", nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The physical column name of column <paramref name="index"/>, quoted.</summary>
    public static string Column(int index) => "\"c" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
}
