using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Ret.Server.Infrastructure.Hosting;

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it at start (data annotations
    /// and <see cref="IValidatableObject"/>). Failures name the full setting, e.g. <c>Server:ShutdownTimeoutSeconds</c>.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Reads and validates options before the container exists (for settings that shape registration).</summary>
    public static T GetValidated<T>(this IConfiguration configuration, string section)
        where T : class, new()
    {
        var value = new T();
        try
        {
            configuration.GetSection(section).Bind(value);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(section, typeof(T), [ex.Message]);
        }

        var result = new SectionValidator<T>(section).Validate(null, value);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }

        return value;
    }

    /// <summary>DataAnnotations validation whose messages carry the configuration path of the bad setting.</summary>
    private sealed class SectionValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
            if (results.Count == 0)
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
                $"{section}:{string.Join(",", r.MemberNames.DefaultIfEmpty("?"))}: {r.ErrorMessage}"));
        }
    }
}
