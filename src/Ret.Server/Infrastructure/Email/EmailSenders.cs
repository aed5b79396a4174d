using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.Email;

public sealed record EmailMessage(string To, string Subject, string TextBody);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

internal static class MimeMessages
{
    public static MimeMessage Build(EmailOptions options, EmailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Date = DateTimeOffset.UtcNow;
        mime.Body = new TextPart("plain") { Text = message.TextBody };
        return mime;
    }
}

/// <summary>Default sender: each message becomes an RFC 822 <c>.eml</c> file in <c>{runtime}/outbox/</c> (folder 0700,
/// files 0600), for a local install without a mail server. An operator can open or forward them.</summary>
public sealed class OutboxEmailSender(IOptions<EmailOptions> options, IOptions<RuntimeOptions> runtime, ILogger<OutboxEmailSender> logger)
    : IEmailSender
{
    public const string FolderName = "outbox";

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(runtime.Value.FullRoot, FolderName);
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var name = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(folder, name);
        await using (var file = OwnerOnlyFile.Create(path, FileMode.CreateNew))
        {
            await MimeMessages.Build(options.Value, message).WriteToAsync(file, cancellationToken);
        }

        logger.LogInformation("Mail \"{Subject}\" written to the outbox as {File}", message.Subject, name);
    }
}

/// <summary>Sends through an SMTP server with MailKit (when <c>Email:Smtp:Host</c> is set).</summary>
public sealed class SmtpEmailSender(IOptions<EmailOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var smtp = o.Smtp;
        using var client = new SmtpClient();
        var security = smtp.Security switch
        {
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.Auto,
        };
        await client.ConnectAsync(smtp.Host!, smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username))
        {
            await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(MimeMessages.Build(o, message), cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        logger.LogInformation("Mail \"{Subject}\" sent through {Host}", message.Subject, smtp.Host);
    }
}

public static class EmailExtensions
{
    public static WebApplicationBuilder AddEmail(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<EmailOptions>(EmailOptions.Section);
        var email = builder.Configuration.GetValidated<EmailOptions>(EmailOptions.Section);
        if (email.UsesSmtp)
        {
            builder.Services.AddSingleton<IEmailSender, SmtpEmailSender>();
        }
        else
        {
            builder.Services.AddSingleton<IEmailSender, OutboxEmailSender>();
        }

        return builder;
    }
}
