using System.Globalization;
using System.Text;

namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>The two kinds of file a workspace accepts.</summary>
public enum UploadKind
{
    Zip,
    Xml,
}

/// <summary>
/// Sanitises client-supplied file names. The result is only ever shown or used as metadata — stored files get
/// server-generated names — but it still must be safe to display and to put in a <c>Content-Disposition</c>.
/// </summary>
public static class UploadFileNames
{
    /// <summary>Longest sanitised name, in UTF-16 code units (the extension is kept when truncating).</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// The last path segment of <paramref name="name"/> (not Unicode-normalised: the server runs with invariant
    /// globalization, where normalisation is unavailable), without control or format characters
    /// (bidi overrides, zero-width), without characters Windows forbids, trimmed of spaces and dots at the ends and
    /// cut to <see cref="MaxLength"/>; null when nothing usable is left.
    /// </summary>
    public static string? Sanitise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var lastSeparator = name.LastIndexOfAny(['/', '\\']);
        var segment = lastSeparator >= 0 ? name[(lastSeparator + 1)..] : name;

        var builder = new StringBuilder(segment.Length);
        foreach (var rune in segment.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator) continue;
            if (rune.IsAscii && "<>:\"|?*".Contains((char)rune.Value, StringComparison.Ordinal)) continue;
            builder.Append(rune.ToString());
        }
        var clean = builder.ToString().Trim().Trim('.').Trim();
        if (clean.Length == 0) return null;
        if (clean.Length > MaxLength)
        {
            var extension = Path.GetExtension(clean);
            if (extension.Length > 16) extension = string.Empty;
            var stemLength = MaxLength - extension.Length;
            // Never cut a surrogate pair in half.
            if (char.IsHighSurrogate(clean[stemLength - 1])) stemLength--;
            clean = clean[..stemLength].TrimEnd() + extension;
        }
        return clean;
    }

    /// <summary>The kind a (sanitised) name declares by its extension, case-insensitively; null for anything else.</summary>
    public static UploadKind? KindOf(string? name)
    {
        if (name is null) return null;
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return UploadKind.Zip;
        if (name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)) return UploadKind.Xml;
        return null;
    }
}
