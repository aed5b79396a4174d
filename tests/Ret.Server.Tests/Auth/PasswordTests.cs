using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 1 and 2: how passwords are stored and which are accepted.</summary>
public sealed class PasswordTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Hash_uses_pbkdf2_sha512_with_at_least_210k_iterations()
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.UserId).Select(u => u.PasswordHash).SingleAsync());

        var parts = stored!.Split('$');
        Assert.Equal("pbkdf2-sha512", parts[0]);
        Assert.True(int.Parse(parts[1]) >= 210_000, $"iterations {parts[1]}");
        var salt = Convert.FromBase64String(parts[2]);
        var hash = Convert.FromBase64String(parts[3]);
        Assert.True(salt.Length >= 16);
        // Recompute independently: it really is PBKDF2-HMAC-SHA512 of the password.
        Assert.Equal(hash, Rfc2898DeriveBytes.Pbkdf2(user.Password, salt, int.Parse(parts[1]), HashAlgorithmName.SHA512, hash.Length));
    }

    [Fact]
    public async Task Weaker_stored_hash_logs_in_and_is_rehashed()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var weak = new PasswordHasher(iterations: 1_000).Hash(user.Password);
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, weak)));

        var again = await TestAuth.LoginAsync(factory, user.UserName, user.Password);

        Assert.Equal(user.UserId, again.UserId);
        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.UserId).Select(u => u.PasswordHash).SingleAsync());
        Assert.StartsWith("pbkdf2-sha512$210000$", stored);
        Assert.NotEqual(weak, stored);
        await TestAuth.LoginAsync(factory, user.UserName, user.Password); // and the new hash verifies
    }

    [Theory]
    [InlineData("password")]
    [InlineData("Password1")]
    [InlineData("qwerty123")]
    [InlineData("iloveyou")]
    [InlineData("P@ssw0rd")]
    [InlineData("12345678")]
    public async Task Common_password_is_rejected(string common)
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var response = await user.Client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = user.Password, newPassword = common });

        await AssertNewPasswordErrorAsync(response, "too common");
    }

    [Fact]
    public async Task Common_password_list_is_a_reasonable_size()
    {
        Assert.InRange(PasswordPolicy.CommonPasswordCount, 5_000, 100_000);
        Assert.True(PasswordPolicy.IsCommon("PASSWORD123"));
        Assert.False(PasswordPolicy.IsCommon("correct horse battery staple"));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("short12", "at least 8")]
    [InlineData("", "Enter a password")]
    public async Task Too_short_password_is_rejected(string password, string expected)
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var response = await user.Client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = user.Password, newPassword = password });

        await AssertNewPasswordErrorAsync(response, expected);
    }

    [Fact]
    public async Task Password_longer_than_128_is_rejected_not_truncated()
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var response = await user.Client.PostAsJsonAsync("/api/auth/change-password",
            new { currentPassword = user.Password, newPassword = new string('x', 100) + Guid.NewGuid().ToString("N") });

        await AssertNewPasswordErrorAsync(response, "at most 128");
    }

    [Fact]
    public async Task Sixty_four_char_password_is_accepted_and_not_truncated()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var longPassword = "lowercase only no rules " + Guid.NewGuid().ToString("N") + "abcdefgh"; // 64 chars, no digits rule
        Assert.Equal(64, longPassword.Length);

        await user.ChangePasswordAsync(longPassword);

        await TestAuth.LoginAsync(factory, user.UserName, longPassword);
        // Any other 64-char string — even one sharing the first 63 characters — is refused.
        var client = TestAuth.CreateClient(factory);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(client, user.UserName, longPassword[..63] + "X")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(client, user.UserName, longPassword[..63])).StatusCode);
    }

    [Fact]
    public async Task Unicode_passwords_are_counted_in_characters_and_work()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var password = "żółć 🙂 déjà vu ünïcödé";

        await user.ChangePasswordAsync(password);

        await TestAuth.LoginAsync(factory, user.UserName, password);
    }

    [Fact]
    public async Task Change_password_needs_the_current_password()
    {
        var user = await TestAuth.CreateUserAsync(factory);

        var response = await user.Client.PostAsJsonAsync("/api/auth/change-password",
            new { currentPassword = "not-the-password", newPassword = "a fresh and long passphrase" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty("currentPassword", out _));
    }

    [Fact]
    public async Task Password_change_revokes_other_sessions_and_access_tokens_and_keeps_this_one()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var laptop = await TestAuth.LoginAsync(factory, user.UserName, user.Password);

        await user.ChangePasswordAsync("a brand new passphrase 42");

        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.RefreshAsync()).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "password_changed" && a.TargetId == user.UserId.ToString()
                                                                             && a.Outcome == AuditOutcome.Success)));
    }

    private static async Task AssertNewPasswordErrorAsync(HttpResponseMessage response, string expected)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var messages = body.RootElement.GetProperty("errors").GetProperty("newPassword").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains(expected, StringComparison.OrdinalIgnoreCase));
    }
}
