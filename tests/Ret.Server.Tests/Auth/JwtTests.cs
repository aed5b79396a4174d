using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 7: access tokens are validated strictly and revoked through the security stamp.</summary>
public sealed class JwtTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Valid_access_token_carries_the_agreed_claims()
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var token = new JsonWebToken(user.AccessToken);

        Assert.Equal("HS256", token.Alg);
        Assert.Equal(user.UserId.ToString(), token.Subject);
        Assert.Equal(user.UserName, token.GetClaim("name").Value);
        Assert.Equal("user", token.GetClaim("role").Value);
        Assert.False(string.IsNullOrEmpty(token.GetClaim("sstamp").Value));
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.True(token.TryGetPayloadValue<long>("iat", out _));
        Assert.Equal("ret", token.Issuer);
        Assert.Equal("ret-api", Assert.Single(token.Audiences));
        Assert.InRange((token.ValidTo - token.IssuedAt).TotalMinutes, 10, 15);
    }

    [Fact]
    public async Task Jwt_alg_none_wrong_key_expired_edited_payload_are_401()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var parts = user.AccessToken.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();

        // alg "none", no signature
        var none = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";
        // edited payload: promoted to admin, original signature
        var promoted = payload.DeepClone().AsObject();
        promoted["role"] = "admin";
        var edited = parts[0] + "." + Base64UrlEncoder.Encode(promoted.ToJsonString()) + "." + parts[2];
        // signed with another key
        var wrongKey = Sign(payload, new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 64))), SecurityAlgorithms.HmacSha256);
        // our key, but expired beyond the 30 s skew
        var key = factory.Services.GetRequiredService<SigningKeyProvider>().Key;
        var expired = payload.DeepClone().AsObject();
        var past = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds();
        expired["iat"] = past - 900;
        expired["nbf"] = past - 900;
        expired["exp"] = past;
        var expiredToken = Sign(expired, key, SecurityAlgorithms.HmacSha256);
        // our key, other algorithm (HS512 is not on the allow-list)
        var hs512 = Sign(payload, key, SecurityAlgorithms.HmacSha512);
        // our key, wrong audience (a console-session token is not an API token)
        var console = payload.DeepClone().AsObject();
        console["aud"] = "ret-console";
        var consoleToken = Sign(console, key, SecurityAlgorithms.HmacSha256);
        // our key, wrong issuer
        var issuer = payload.DeepClone().AsObject();
        issuer["iss"] = "someone-else";
        var issuerToken = Sign(issuer, key, SecurityAlgorithms.HmacSha256);

        Assert.Equal(HttpStatusCode.OK, (await CallMeAsync(user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallMeAsync(Sign(payload, key, SecurityAlgorithms.HmacSha256))).StatusCode); // control
        foreach (var (name, token) in new[]
                 {
                     ("alg none", none), ("edited payload", edited), ("wrong key", wrongKey), ("expired", expiredToken),
                     ("HS512", hs512), ("console audience", consoleToken), ("wrong issuer", issuerToken), ("garbage", "abc.def.ghi"),
                 })
        {
            var response = await CallMeAsync(token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Disabling_user_revokes_refresh_and_access_at_once()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode); // state now cached

        var disable = await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isActive = false });

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, user.Password)).StatusCode);

        // Re-enabled: signing in works again, the old tokens stay dead.
        var old = user.AccessToken;
        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isActive = true });
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallMeAsync(old)).StatusCode);
        await TestAuth.LoginAsync(factory, user.UserName, user.Password);
    }

    [Fact]
    public async Task Locking_user_revokes_refresh_and_access_at_once()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);

        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isLocked = true, lockReason = "suspicious activity" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Demotion_revokes_admin_access_at_once()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var second = await TestAuth.CreateUserAsync(factory, role: "admin");
        Assert.Equal(HttpStatusCode.OK, (await second.Client.GetAsync("/api/admin/users")).StatusCode);

        var demote = await admin.Client.PatchAsJsonAsync($"/api/admin/users/{second.UserId}", new { role = "user" });

        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.Client.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.RefreshAsync()).StatusCode);
        var again = await TestAuth.LoginAsync(factory, second.UserName, second.Password);
        Assert.Equal("user", again.Role);
        Assert.Equal(HttpStatusCode.Forbidden, (await again.Client.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task Stamp_change_made_elsewhere_applies_within_the_cache_window()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode); // cached on this node

        // Another node disables the user: only the database changes, this node's cache is not told.
        await factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
            db.Users.Where(u => u.Id == user.UserId), s => s.SetProperty(u => u.IsActive, false)));

        var deadline = DateTime.UtcNow.AddSeconds(35); // StampCheckSeconds (10 s) with plenty of margin, ≤ 30 s by contract + slack
        HttpStatusCode status;
        do
        {
            status = (await user.Client.GetAsync("/api/auth/me")).StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    private Task<HttpResponseMessage> CallMeAsync(string token)
    {
        var client = factory.CreateDefaultClient(TestAuth.BaseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.GetAsync("/api/auth/me");
    }

    private static string Sign(JsonObject payload, SecurityKey key, string algorithm)
    {
        var header = Base64UrlEncoder.Encode($$"""{"alg":"{{(algorithm == SecurityAlgorithms.HmacSha512 ? "HS512" : "HS256")}}","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(payload.ToJsonString());
        var input = Encoding.ASCII.GetBytes(header + "." + body);
        var provider = new SymmetricSignatureProvider(key, algorithm);
        return header + "." + body + "." + Base64UrlEncoder.Encode(provider.Sign(input));
    }
}
