namespace Ret.Server.Infrastructure.Http;

/// <summary>A page of any list the API returns: <c>{ items, total, page, pageSize }</c>.</summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);

/// <summary>Page number and size as every list route reads them: page ≥ 1, 1 ≤ size ≤ 200 (default 50).</summary>
public readonly record struct PageWindow(int Page, int Size)
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    public int Skip => (Page - 1) * Size;

    public static PageWindow From(int? page, int? pageSize)
        => new(Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? DefaultSize, 1, MaxSize));
}
