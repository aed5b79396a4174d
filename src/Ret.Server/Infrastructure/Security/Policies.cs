namespace Ret.Server.Infrastructure.Security;

/// <summary>Authorization policy and role names. Endpoints name a policy, never a role, so roles can grow.</summary>
public static class Policies
{
    /// <summary>Any signed-in, active user.</summary>
    public const string User = "user";

    /// <summary>Administrators.</summary>
    public const string Admin = "admin";
}

public static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";

    public static readonly IReadOnlyList<string> All = [Admin, User];

    public static bool IsKnown(string? role) => role is Admin or User;
}
