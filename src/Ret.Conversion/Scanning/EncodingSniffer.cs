namespace Ret.Conversion.Scanning;

/// <summary>Describes a document's encoding from its first bytes and its XML declaration.</summary>
internal static class EncodingSniffer
{
    public static string Describe(ReadOnlySpan<byte> head, string? declared)
    {
        string? bom = head switch
        {
            [0xEF, 0xBB, 0xBF, ..] => "UTF-8",
            [0xFF, 0xFE, ..] => "UTF-16LE",
            [0xFE, 0xFF, ..] => "UTF-16BE",
            _ => null,
        };
        if (bom is not null) return $"{bom} (BOM)";
        if (head is [0x3C, 0x00, ..]) return "UTF-16LE";
        if (head is [0x00, 0x3C, ..]) return "UTF-16BE";
        return string.IsNullOrEmpty(declared) ? "UTF-8" : declared.ToUpperInvariant();
    }
}
