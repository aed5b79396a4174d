using Ret.Server.Domain;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Builds the sign-in answer: an access token in the body, the refresh token only in its cookie.</summary>
public sealed class SessionIssuer(AccessTokenService accessTokens, RefreshTokenService refreshTokens)
{
    /// <summary>Starts a new session (device) for the user.</summary>
    public async Task<LoginResponse> StartAsync(User user, HttpContext http, CancellationToken cancellationToken)
    {
        var refresh = await refreshTokens.StartSessionAsync(user, http, cancellationToken);
        return Respond(user, refresh, http);
    }

    public LoginResponse Respond(User user, IssuedRefreshToken refresh, HttpContext http)
    {
        RefreshCookie.Append(http.Response, refresh.Value, refresh.ExpiresAt);
        var access = accessTokens.IssueAccessToken(user);
        return new LoginResponse(access.Value, access.ExpiresInSeconds, UserDto.From(user));
    }
}
