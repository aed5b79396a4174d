using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Security;

/// <summary>On an empty user table, creates the first administrator. There is no fixed default password:
/// it comes from <c>RET_ADMIN_PASSWORD</c> or is generated, shown once and stored in a 0600 file.
/// Either way the account must change it at first sign-in.</summary>
public sealed class FirstAdminSeeder(
    RetDbContext db,
    PasswordHasher hasher,
    IOptions<BootstrapOptions> bootstrap,
    IOptions<RuntimeOptions> runtime,
    ILogger<FirstAdminSeeder> logger)
{
    public const string PasswordFileName = "initial-admin-password.txt";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }

        var options = bootstrap.Value;
        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated ? GeneratePassword() : options.AdminPassword!;
        var userName = options.AdminUserName.Trim();
        db.Users.Add(new User
        {
            UserName = userName,
            NormalizedUserName = User.Normalize(userName),
            PasswordHash = hasher.Hash(password),
            Role = Roles.Admin,
            MustChangePassword = true,
        });
        await db.SaveChangesAsync(cancellationToken);

        if (generated)
        {
            var file = Path.Combine(runtime.Value.FullRoot, PasswordFileName);
            await using (var writer = new StreamWriter(OwnerOnlyFile.Create(file)))
            {
                await writer.WriteLineAsync(password);
            }

            // Shown once on the console, deliberately not through the logger: secrets never enter log sinks.
            Console.Out.WriteLine(
                $"""

                 ==============================================================
                  RET first administrator created
                    username: {userName}
                    password: {password}
                  (also saved to {file}, readable only by this user)
                  You will be asked to choose a new password at first sign-in.
                 ==============================================================

                """);
        }

        logger.LogInformation("Created the first administrator account {UserName} (password {Source})",
            userName, generated ? "generated" : "from RET_ADMIN_PASSWORD");
    }

    /// <summary>24 characters from an unambiguous alphabet: ~137 bits of entropy.</summary>
    internal static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 24);
    }
}
