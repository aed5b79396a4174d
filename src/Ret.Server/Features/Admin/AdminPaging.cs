namespace Ret.Server.Features.Admin;

/// <summary>A page of any admin list: <c>{ items, total, page, pageSize }</c> (docs/api/admin.md).</summary>
public sealed record AdminPage<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);

/// <summary>Page number and size as every admin list reads them: page ≥ 1, 1 ≤ size ≤ 200 (default 50).</summary>
public readonly record struct PageWindow(int Page, int Size)
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    public int Skip => (Page - 1) * Size;

    public static PageWindow From(int? page, int? pageSize)
        => new(Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? DefaultSize, 1, MaxSize));
}

internal static class AdminText
{
    /// <summary>A time from a query string as UTC; one without a zone is taken as UTC (the API speaks UTC).</summary>
    public static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    /// <summary>A search term, trimmed and capped so a huge query string cannot make a huge LIKE.</summary>
    public static string? Needle(string? value, int max = 100)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        return trimmed.Length > max ? trimmed[..max] : trimmed;
    }
}
