using Microsoft.Extensions.Options;

namespace Ret.Server.Infrastructure.Hosting;

public static class RetHost
{
    /// <summary>Environment variables with a short RET_ name, mapped onto configuration keys.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["RET_RUNTIME_ROOT"] = "Runtime:Root",
        ["RET_ADMIN_PASSWORD"] = "Bootstrap:AdminPassword",
        ["RET_DATABASE_PROVIDER"] = "Database:Provider",
        ["RET_DATABASE_CONNECTION"] = "Database:ConnectionString",
        ["RET_ROLE"] = "Server:Role",
    };

    /// <summary>Adds the RET_* aliases (highest precedence) and a <c>--role web|worker|all</c> switch.</summary>
    public static void AddRetConfigurationAliases(this WebApplicationBuilder builder, string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key) in Aliases)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(value))
            {
                values[key] = value;
            }
        }

        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--role")
            {
                values["Server:Role"] = args[i + 1];
            }
        }

        if (values.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(values);
        }
    }

    /// <summary>Runs every <c>ValidateOnStart</c> check now, before the host starts, so a bad setting ends start-up
    /// with one clear line instead of a hosting failure with a stack trace.</summary>
    public static WebApplication ValidateSettings(this WebApplication app)
    {
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        return app;
    }

    public static string DescribeConfigurationError(OptionsValidationException ex)
        => "Configuration error: " + string.Join("; ", ex.Failures);
}
