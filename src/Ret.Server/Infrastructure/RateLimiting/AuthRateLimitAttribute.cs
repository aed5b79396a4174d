namespace Ret.Server.Infrastructure.RateLimiting;

public enum AuthLimitKind
{
    Login,
    Reset,
}

/// <summary>Puts an anonymous credential endpoint under the per-IP and per-account limits of its kind.
/// <see cref="AccountField"/> names the JSON body property that identifies the account (read from a buffered copy
/// of the small body before the endpoint runs).</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AuthRateLimitAttribute(AuthLimitKind kind, string accountField) : Attribute
{
    public AuthLimitKind Kind { get; } = kind;

    public string AccountField { get; } = accountField;
}
