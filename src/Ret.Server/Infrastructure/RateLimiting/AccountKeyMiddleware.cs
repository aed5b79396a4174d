using System.Buffers;
using System.Text.Json;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.RateLimiting;

/// <summary>For endpoints marked <see cref="AuthRateLimitAttribute"/>: buffers the (small) JSON body, reads the field
/// naming the account and leaves the partition key in <c>HttpContext.Items</c> for the rate limiter; the body is
/// rewound for the endpoint. Usernames are normalised; tokens are reduced to a hash (never kept or logged).</summary>
public sealed class AccountKeyMiddleware(RequestDelegate next)
{
    public const string ItemKey = "ret:rate-limit-account";
    private const int MaxBytes = 16 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var meta = context.GetEndpoint()?.Metadata.GetMetadata<AuthRateLimitAttribute>();
        if (meta is not null && HttpMethods.IsPost(context.Request.Method))
        {
            context.Items[ItemKey] = await ReadAccountKeyAsync(context, meta.AccountField);
        }

        await next(context);
    }

    private static async Task<string> ReadAccountKeyAsync(HttpContext context, string field)
    {
        var request = context.Request;
        if (request.ContentLength is > MaxBytes)
        {
            return "(oversized)";
        }

        request.EnableBuffering(MaxBytes, MaxBytes * 4);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            var read = 0;
            while (read <= MaxBytes)
            {
                var n = await request.Body.ReadAsync(buffer.AsMemory(read, MaxBytes + 1 - read), context.RequestAborted);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            request.Body.Position = 0;
            if (read > MaxBytes)
            {
                return "(oversized)";
            }

            var value = FindString(buffer.AsSpan(0, read), field);
            if (string.IsNullOrEmpty(value))
            {
                return "(none)";
            }

            return field == "username"
                ? User.Normalize(value.Length > 64 ? value[..64] : value)
                : "token:" + SecretToken.Hash(value)[..16];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The string value of a top-level property (property names matched case-insensitively, as the
    /// endpoint's JSON binding does). Malformed JSON yields null; the endpoint will reject it anyway.</summary>
    internal static string? FindString(ReadOnlySpan<byte> json, string property)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (string.Equals(name, property, StringComparison.OrdinalIgnoreCase) && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
