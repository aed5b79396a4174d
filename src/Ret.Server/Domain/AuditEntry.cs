namespace Ret.Server.Domain;

public static class AuditOutcome
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Denied = "denied";
}

/// <summary>One row of the append-only audit log. Written through <c>IAuditLog</c>; the code has no update or
/// delete path and the database refuses both (triggers).</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    public Guid? ActorId { get; set; }

    public string? ActorName { get; set; }

    public required string Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    public required string Outcome { get; set; }

    /// <summary>JSON with the reason and other details. Never a secret.</summary>
    public string? Details { get; set; }

    public string? ClientIp { get; set; }

    public string? RequestId { get; set; }
}
