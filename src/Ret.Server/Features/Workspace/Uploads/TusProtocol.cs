using System.Globalization;
using System.Text;

namespace Ret.Server.Features.Workspace.Uploads;

/// <summary>
/// Header parsing and formatting for tus 1.0.0 (core, creation, termination, expiration), so endpoints stay thin.
/// Everything here is pure: it never throws on client input, it answers with a parsed value or an error message.
/// </summary>
public static class TusProtocol
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,termination,expiration";
    public const string OffsetContentType = "application/offset+octet-stream";

    public const string TusResumableHeader = "Tus-Resumable";
    public const string TusVersionHeader = "Tus-Version";
    public const string TusExtensionHeader = "Tus-Extension";
    public const string TusMaxSizeHeader = "Tus-Max-Size";
    public const string UploadLengthHeader = "Upload-Length";
    public const string UploadOffsetHeader = "Upload-Offset";
    public const string UploadMetadataHeader = "Upload-Metadata";
    public const string UploadExpiresHeader = "Upload-Expires";

    /// <summary>Longest <c>Upload-Metadata</c> header accepted (the whole header, base64 included).</summary>
    public const int MaxMetadataHeaderLength = 4096;

    /// <summary>Most key-value pairs accepted in <c>Upload-Metadata</c>.</summary>
    public const int MaxMetadataPairs = 32;

    /// <summary>True when the client speaks the only version this server supports (exactly <c>1.0.0</c>).</summary>
    public static bool IsSupportedVersion(string? tusResumable) =>
        string.Equals(tusResumable?.Trim(), Version, StringComparison.Ordinal);

    /// <summary>Parses <c>Upload-Length</c>: a non-negative decimal integer without sign, spaces or exponent.</summary>
    public static bool TryParseLength(string? value, out long length) => TryParseNonNegative(value, out length);

    /// <summary>Parses <c>Upload-Offset</c>: a non-negative decimal integer without sign, spaces or exponent.</summary>
    public static bool TryParseOffset(string? value, out long offset) => TryParseNonNegative(value, out offset);

    /// <summary>Digits only (1–19 of them), checked for <see cref="long"/> overflow; leading zeros are fine.</summary>
    public static bool TryParseNonNegative(string? value, out long result)
    {
        result = 0;
        if (string.IsNullOrEmpty(value) || value.Length > 32) return false;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c)) return false;
            var digit = c - '0';
            if (result > (long.MaxValue - digit) / 10) return false;
            result = (result * 10) + digit;
        }
        return true;
    }

    /// <summary>Formats a byte count or offset for a header.</summary>
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 9110 IMF-fixdate, as <c>Upload-Expires</c> requires (e.g. <c>Wed, 25 Jun 2014 16:00:00 GMT</c>).</summary>
    public static string FormatExpires(DateTimeOffset expiresAt) =>
        expiresAt.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <c>Upload-Metadata</c>: comma-separated pairs, key and base64 value separated by one space; the value
    /// may be absent (key alone). Keys must be non-empty printable ASCII without spaces or commas and unique; values
    /// must be canonical base64 of valid UTF-8. An absent or blank header is an empty dictionary.
    /// </summary>
    public static MetadataParseResult ParseMetadata(string? header)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header)) return new MetadataParseResult(values, null);
        if (header.Length > MaxMetadataHeaderLength)
            return Fail($"Upload-Metadata is longer than {MaxMetadataHeaderLength} characters.");

        var pairs = header.Split(',');
        if (pairs.Length > MaxMetadataPairs) return Fail($"Upload-Metadata has more than {MaxMetadataPairs} entries.");
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var raw in pairs)
        {
            var pair = raw.Trim(' ', '\t');
            if (pair.Length == 0) return Fail("Upload-Metadata has an empty entry.");
            var space = pair.IndexOf(' ');
            var key = space < 0 ? pair : pair[..space];
            var encoded = space < 0 ? null : pair[(space + 1)..];
            if (!IsValidKey(key)) return Fail($"Upload-Metadata has an invalid key '{Printable(key)}'.");
            if (values.ContainsKey(key)) return Fail($"Upload-Metadata has the key '{key}' more than once.");
            if (encoded is null || encoded.Length == 0)
            {
                values[key] = null;
                continue;
            }
            if (encoded.Contains(' ', StringComparison.Ordinal)) return Fail($"Upload-Metadata value of '{key}' contains a space.");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                return Fail($"Upload-Metadata value of '{key}' is not valid base64.");
            }
            try
            {
                values[key] = strictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return Fail($"Upload-Metadata value of '{key}' is not valid UTF-8.");
            }
        }
        return new MetadataParseResult(values, null);

        static MetadataParseResult Fail(string message) => new(new Dictionary<string, string?>(), message);
    }

    /// <summary>Produces an <c>Upload-Metadata</c> header (keys in the given order; null values as the bare key).</summary>
    public static string FormatMetadata(IEnumerable<KeyValuePair<string, string?>> metadata)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in metadata)
        {
            if (!IsValidKey(key)) throw new ArgumentException($"'{key}' is not a valid tus metadata key.", nameof(metadata));
            if (builder.Length > 0) builder.Append(',');
            builder.Append(key);
            if (value is not null) builder.Append(' ').Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)));
        }
        return builder.ToString();
    }

    private static bool IsValidKey(string key)
    {
        if (key.Length is 0 or > 64) return false;
        foreach (var c in key)
        {
            if (c is <= ' ' or > '~' or ',') return false;
        }
        return true;
    }

    private static string Printable(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value.Length > 40 ? value[..40] : value) builder.Append(c is < ' ' or > '~' ? '?' : c);
        return builder.ToString();
    }
}

/// <summary>The parsed <c>Upload-Metadata</c> pairs, or the reason the header was rejected (then <see cref="Values"/> is empty).</summary>
public sealed record MetadataParseResult(IReadOnlyDictionary<string, string?> Values, string? Error)
{
    public bool Succeeded => Error is null;
}
