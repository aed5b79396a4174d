using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace Ret.Server.Infrastructure.Email;

public enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it (port 587), implicit TLS on 465.</summary>
    Auto,
    StartTls,
    SslOnConnect,
    /// <summary>Plain text: only for a relay on localhost.</summary>
    None,
}

/// <summary>Outgoing mail. Section <c>Email</c>. Without <c>Email:Smtp:Host</c>, messages are written as .eml files
/// to <c>{runtime}/outbox/</c> (readable only by the server's user) instead of being sent.</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    [Required(AllowEmptyStrings = false)]
    public string From { get; set; } = "RET <no-reply@localhost>";

    public SmtpOptions Smtp { get; set; } = new();

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(Smtp.Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult("is not a mail address such as 'RET <no-reply@example.com>'.", [nameof(From)]);
        }

        if (Smtp.Port is < 1 or > 65535)
        {
            yield return new ValidationResult("must be 1–65535.", ["Smtp:Port"]);
        }
    }
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    public string? Username { get; set; }

    /// <summary>Use an environment variable (<c>Email__Smtp__Password</c>) or a secret store, not appsettings.json.</summary>
    public string? Password { get; set; }
}
