using System.Globalization;
using System.Security.Cryptography;

namespace Ret.Server.Infrastructure.Security;

/// <summary>PBKDF2-HMAC-SHA512 password hashing (OWASP / ASVS 5.0: at least 210,000 iterations).
/// Stored form: <c>pbkdf2-sha512$iterations$salt$hash</c> (base64). A hash made with fewer iterations still
/// verifies and is reported as needing a re-hash.</summary>
public sealed class PasswordHasher
{
    public const int DefaultIterations = 210_000;
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;

    private readonly int _iterations;
    private readonly Lazy<string> _dummyHash;

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _iterations = iterations;
        _dummyHash = new Lazy<string>(() => Hash("not-a-real-password-" + Guid.NewGuid()));
    }

    /// <summary>A fixed hash used to spend the same time on unknown users as on real ones.</summary>
    public string DummyHash => _dummyHash.Value;

    public int Iterations => _iterations;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, _iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Scheme}${_iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public PasswordCheck Verify(string? storedHash, string password)
    {
        if (string.IsNullOrEmpty(storedHash))
        {
            return PasswordCheck.Failed;
        }

        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return PasswordCheck.Failed;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return PasswordCheck.Failed;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordCheck.Failed;
        }

        return iterations < _iterations ? PasswordCheck.SuccessRehashNeeded : PasswordCheck.Success;
    }
}

public enum PasswordCheck
{
    Failed,
    Success,
    SuccessRehashNeeded,
}
