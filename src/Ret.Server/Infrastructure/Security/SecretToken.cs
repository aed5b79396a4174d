using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Ret.Server.Infrastructure.Security;

/// <summary>Random bearer secrets (refresh, reset and API tokens) and the SHA-256 form they are stored in.
/// These are high-entropy values, so a fast unsalted hash is the right choice (no password stretching needed).</summary>
public static class SecretToken
{
    /// <summary>256 random bits, base64url without padding (43 characters).</summary>
    public static string New(int bytes = 32) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Lower-case hex SHA-256 of the UTF-8 token.</summary>
    public static string Hash(string token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Cheap shape check before touching the database (base64url, sensible length).</summary>
    public static bool LooksValid(string? token, int minLength = 40, int maxLength = 200)
    {
        if (string.IsNullOrEmpty(token) || token.Length < minLength || token.Length > maxLength)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
