using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Email;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Password reset, both paths: a self-service request (recorded for administrators, mailed when the
/// account has an address) and administrator-issued tokens; both end in <see cref="ResetAsync"/>. Tokens are
/// 256-bit, stored as SHA-256, single use, short-lived; issuing one revokes the user's older ones and any password
/// change revokes them all.</summary>
public sealed class PasswordResetService(
    RetDbContext db,
    IOptions<ResetOptions> resetOptions,
    IOptions<AppOptions> appOptions,
    IEmailSender email,
    AccountSecurity accountSecurity,
    PasswordPolicy policy,
    TimeProvider clock,
    IAuditLog audit,
    ILogger<PasswordResetService> logger)
{
    public const string InvalidTokenTitle = "This reset link is invalid or has expired.";

    /// <summary>Runs in the background (see <see cref="PasswordResetRequestJob"/>) so the endpoint answers in the same
    /// time whether or not the account exists.</summary>
    public async Task HandleRequestAsync(string userName, string? clientIp, string? requestId, CancellationToken cancellationToken)
    {
        var attempted = userName.Trim();
        var user = UserNames.IsValid(attempted)
            ? await db.Users.FirstOrDefaultAsync(u => u.NormalizedUserName == User.Normalize(attempted) && u.DeletedAt == null, cancellationToken)
            : null;
        if (user is null || !user.IsActive)
        {
            await audit.WriteAsync(new AuditEvent(AuditActions.PasswordResetRequested, AuditOutcome.Failure)
            {
                ActorName = attempted.Length > 64 ? attempted[..64] : attempted,
                ActorId = user?.Id,
                TargetType = "user",
                TargetId = user?.Id.ToString(),
                Details = new { reason = user is null ? "unknown_user" : "disabled" },
                ClientIp = clientIp,
                RequestId = requestId,
            }, cancellationToken);
            return;
        }

        var now = Now;
        var request = new PasswordResetRequest
        {
            UserId = user.Id,
            CreatedAt = now,
            Status = PasswordResetStatus.Pending,
            RequestedFromIp = clientIp,
        };
        db.PasswordResetRequests.Add(request);
        var address = MailAddressOf(user);
        IssuedResetToken? token = null;
        if (address is not null)
        {
            request.Status = PasswordResetStatus.Approved;
            request.DecidedAt = now;
            request.Reason = "emailed";
            token = await IssueTokenAsync(user, PasswordResetPurpose.Reset, TimeSpan.FromMinutes(resetOptions.Value.TokenMinutes),
                issuedById: null, requestId: request.Id, cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.WriteAsync(new AuditEvent(AuditActions.PasswordResetRequested)
        {
            ActorId = user.Id,
            ActorName = user.UserName,
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new { requestId = request.Id, emailed = token is not null },
            ClientIp = clientIp,
            RequestId = requestId,
        }, cancellationToken);

        if (token is not null)
        {
            await email.SendAsync(new EmailMessage(address!, "Reset your RET password", MailBody(user, token)), cancellationToken);
        }
    }

    /// <summary>Creates a token for the user, revoking their older ones. The raw token is returned once, never stored.</summary>
    public async Task<IssuedResetToken> IssueTokenAsync(User user, string purpose, TimeSpan lifetime, Guid? issuedById, Guid? requestId,
        CancellationToken cancellationToken)
    {
        await accountSecurity.RevokeResetTokensAsync(user.Id, cancellationToken);
        var now = Now;
        var raw = SecretToken.New();
        var row = new PasswordResetToken
        {
            UserId = user.Id,
            TokenHash = SecretToken.Hash(raw),
            Purpose = purpose,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            IssuedById = issuedById,
            RequestId = requestId,
        };
        db.PasswordResetTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedResetToken(raw, row.ExpiresAt, purpose);
    }

    public async Task<ResetOutcome> ResetAsync(string? rawToken, string? newPassword, CancellationToken cancellationToken)
    {
        if (!SecretToken.LooksValid(rawToken))
        {
            return ResetOutcome.InvalidToken;
        }

        var now = Now;
        var hash = SecretToken.Hash(rawToken!);
        var token = await db.PasswordResetTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null || token.UsedAt is not null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return ResetOutcome.InvalidToken;
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == token.UserId && u.DeletedAt == null, cancellationToken);
        if (user is null || !user.IsActive)
        {
            return ResetOutcome.InvalidToken;
        }

        var errors = policy.Validate(newPassword, user.UserName);
        if (errors.Count > 0)
        {
            return new ResetOutcome(false, errors);
        }

        // Single use, even against a concurrent request with the same token.
        var claimed = await db.PasswordResetTokens
            .Where(t => t.Id == token.Id && t.UsedAt == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken);
        if (claimed != 1)
        {
            return ResetOutcome.InvalidToken;
        }

        await accountSecurity.SetPasswordAsync(user, newPassword!, "password_reset", cancellationToken);
        await db.PasswordResetRequests
            .Where(r => r.UserId == user.Id && (r.Status == PasswordResetStatus.Pending || r.Status == PasswordResetStatus.Approved))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, PasswordResetStatus.Completed), cancellationToken);
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.PasswordResetCompleted, user) with
        {
            ActorId = user.Id,
            ActorName = user.UserName,
            Details = new { purpose = token.Purpose, issuedBy = token.IssuedById },
        }, cancellationToken);
        logger.LogInformation("Password of user {UserId} set through a {Purpose} token", user.Id, token.Purpose);
        return ResetOutcome.Success;
    }

    /// <summary>The account's mail address, or its username when that is one; null when there is none.</summary>
    internal static string? MailAddressOf(User user)
    {
        var candidate = user.Email ?? (user.UserName.Contains('@', StringComparison.Ordinal) ? user.UserName : null);
        return candidate is not null && MailboxAddress.TryParse(candidate, out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal)
            ? mailbox.Address
            : null;
    }

    private string MailBody(User user, IssuedResetToken token)
    {
        var link = $"{appOptions.Value.PublicBaseUrl.TrimEnd('/')}/reset-password?token={token.Value}";
        return $"""
            Someone (hopefully you) asked to reset the password of the RET account "{user.UserName}".

            Open this link within {resetOptions.Value.TokenMinutes} minutes to choose a new password:

            {link}

            The link works once. If you did not ask for this, ignore this message: your password stays as it is.
            """;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}

public sealed record IssuedResetToken(string Value, DateTime ExpiresAt, string Purpose);

public sealed record ResetOutcome(bool Succeeded, IReadOnlyList<string> PasswordErrors)
{
    public static readonly ResetOutcome Success = new(true, []);
    public static readonly ResetOutcome InvalidToken = new(false, []);

    public bool TokenInvalid => !Succeeded && PasswordErrors.Count == 0;
}

/// <summary>The background half of a self-service reset request. Arguments are the username the visitor typed and
/// request metadata — never a token (the token is made inside the job).</summary>
public sealed class PasswordResetRequestJob(PasswordResetService resets)
{
    [AutomaticRetry(Attempts = 3)]
    public Task RunAsync(string userName, string? clientIp, string? requestId, CancellationToken cancellationToken)
        => resets.HandleRequestAsync(userName, clientIp, requestId, cancellationToken);
}
