namespace Ret.Server.Features.Auth;

/// <summary>Usernames: 3–64 characters of ASCII letters, digits and <c>. _ - @</c> (ASCII only, so no two names
/// look alike through homoglyphs), matched case-insensitively through <c>User.NormalizedUserName</c>.</summary>
public static class UserNames
{
    public const int MinLength = 3;
    public const int MaxLength = 64;

    public static bool IsValid(string? userName)
    {
        if (userName is null || userName.Length is < MinLength or > MaxLength)
        {
            return false;
        }

        foreach (var c in userName)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    public const string Rule = "Use 3–64 characters: letters, digits, '.', '_', '-' or '@'.";
}
