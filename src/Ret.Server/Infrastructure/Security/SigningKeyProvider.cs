using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Security;

/// <summary>The HMAC key that signs access tokens: configured, or generated once and kept under the runtime root.</summary>
public sealed class SigningKeyProvider(IOptions<JwtOptions> jwt, IOptions<RuntimeOptions> runtime)
{
    private readonly Lazy<SymmetricSecurityKey> _key = new(() => Load(jwt.Value, runtime.Value));

    public SymmetricSecurityKey Key => _key.Value;

    private static SymmetricSecurityKey Load(JwtOptions jwt, RuntimeOptions runtime)
    {
        if (!string.IsNullOrEmpty(jwt.SigningKey))
        {
            return new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey));
        }

        var path = Path.Combine(runtime.FullRoot, "keys", "jwt-signing.key");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(64);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            using (var writer = new StreamWriter(OwnerOnlyFile.Create(temp, FileMode.CreateNew)))
            {
                writer.Write(Convert.ToBase64String(fresh));
            }

            try
            {
                File.Move(temp, path); // first writer wins; a concurrent starter keeps the existing key
            }
            catch (IOException)
            {
                File.Delete(temp);
            }
        }

        return new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }
}
