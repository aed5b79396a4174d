using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Ret.Server.Infrastructure.Security;

/// <summary>Password rules. Section <c>Auth:Password</c>.</summary>
public sealed class PasswordPolicyOptions : IValidatableObject
{
    public const string Section = "Auth:Password";

    [Range(8, 64)]
    public int MinLength { get; set; } = 8;

    [Range(64, 1024)]
    public int MaxLength { get; set; } = 128;

    /// <summary>What the UI encourages (not enforced).</summary>
    [Range(8, 128)]
    public int RecommendedLength { get; set; } = 15;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RecommendedLength < MinLength || RecommendedLength > MaxLength)
        {
            yield return new ValidationResult("must lie between MinLength and MaxLength.", [nameof(RecommendedLength)]);
        }
    }
}

/// <summary>ASVS 5.0 / NIST 800-63B: a length range (counted in Unicode code points, never truncated), no
/// composition rules, and no password from the embedded common-password list (compared case-insensitively).</summary>
public sealed class PasswordPolicy(IOptions<PasswordPolicyOptions> options)
{
    private static readonly Lazy<HashSet<string>> Common = new(LoadCommon);

    public PasswordPolicyOptions Options => options.Value;

    public static int CommonPasswordCount => Common.Value.Count;

    /// <summary>Reasons the password is not acceptable; empty when it is.</summary>
    public IReadOnlyList<string> Validate(string? password, string? userName = null)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(password))
        {
            return ["Enter a password."];
        }

        var length = password.EnumerateRunes().Count();
        var errors = new List<string>();
        if (length < o.MinLength)
        {
            errors.Add($"Use at least {o.MinLength} characters.");
        }
        else if (length > o.MaxLength)
        {
            errors.Add($"Use at most {o.MaxLength} characters.");
        }
        else if (IsCommon(password))
        {
            errors.Add("This password is too common. Choose something less guessable, such as a few unrelated words.");
        }
        else if (!string.IsNullOrEmpty(userName) && string.Equals(password.Trim(), userName.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("The password must not be your username.");
        }

        return errors;
    }

    public static bool IsCommon(string password) => Common.Value.Contains(password.ToLowerInvariant());

    private static HashSet<string> LoadCommon()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException("The common-password list is not embedded.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line.ToLowerInvariant());
            }
        }

        return set;
    }

    internal const string ResourceName = "Ret.Server.CommonPasswords.txt";
}
