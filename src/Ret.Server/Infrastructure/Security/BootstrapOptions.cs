namespace Ret.Server.Infrastructure.Security;

/// <summary>First-start settings. Section <c>Bootstrap</c>.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>Username of the first administrator, created on an empty database.</summary>
    public string AdminUserName { get; set; } = "admin";

    /// <summary>Its initial password (environment <c>RET_ADMIN_PASSWORD</c>). Empty: a strong one is generated,
    /// printed once to the console and written to <c>runtime/initial-admin-password.txt</c> (0600).</summary>
    public string? AdminPassword { get; set; }
}
