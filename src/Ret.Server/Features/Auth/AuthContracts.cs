using Ret.Server.Domain;

namespace Ret.Server.Features.Auth;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record UserDto(Guid Id, string Username, string Role, bool MustChangePassword, string? DisplayName)
{
    public static UserDto From(User user) => new(user.Id, user.UserName, user.Role, user.MustChangePassword, user.DisplayName);
}

public sealed record LoginResponse(string AccessToken, int ExpiresIn, UserDto User);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record RequestResetRequest(string? Username);

public sealed record RequestResetResponse(string Message);

public sealed record ResetRequest(string? Token, string? NewPassword);

public sealed record CreateApiKeyRequest(string? Name, DateTimeOffset? ExpiresAt);

public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt);

public sealed record CreatedApiKeyDto(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, string Key);

public sealed record ConsoleSessionResponse(DateTime ExpiresAt);

public sealed record PasswordPolicyDto(int MinLength, int MaxLength, int RecommendedLength);

public sealed record PublicConfigDto(bool DemoMode, string? DemoUsername, string? DemoPassword, PasswordPolicyDto PasswordPolicy);
