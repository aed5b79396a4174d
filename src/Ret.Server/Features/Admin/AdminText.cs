namespace Ret.Server.Features.Admin;

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
