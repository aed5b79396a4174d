namespace Ret.Server.Infrastructure.Security;

/// <summary>Authorization policy and role names. Endpoints name a policy, never a role, so roles can grow.
/// Every policy also refuses (403 <c>urn:ret:must-change-password</c>) a user who must change their password,
/// except on endpoints marked <see cref="AllowDuringPasswordChangeAttribute"/>.</summary>
public static class Policies
{
    /// <summary>Any signed-in, active user (access token or API key).</summary>
    public const string User = "user";

    /// <summary>Administrators (access token or API key).</summary>
    public const string Admin = "admin";

    /// <summary>A user signed in interactively with an access token; API keys are refused. For managing the account
    /// itself: change password, sign out everywhere, API keys, console session.</summary>
    public const string Interactive = "interactive";

    /// <summary>Administrators through an access token, an API key or the console-session cookie. Only the browser
    /// tools use it: job dashboard, API reference, OpenAPI document, detailed health.</summary>
    public const string AdminTools = "admin-tools";
}

public static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";

    public static readonly IReadOnlyList<string> All = [Admin, User];

    public static bool IsKnown(string? role) => role is Admin or User;
}

/// <summary>Authentication scheme names.</summary>
public static class AuthSchemes
{
    /// <summary>Default: picks <see cref="Bearer"/> or <see cref="ApiKey"/> from the Authorization header.</summary>
    public const string Default = "ret";

    public const string Bearer = "Bearer";

    public const string ApiKey = "ApiKey";

    /// <summary>The <c>__Host-ret_console</c> cookie; only on the admin tool paths.</summary>
    public const string Console = "Console";
}
