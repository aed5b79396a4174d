using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Ret.Server.Infrastructure.Hosting;

/// <summary>What this node does. <c>All</c> serves the SPA + API and runs job workers (the default);
/// <c>Web</c> serves only; <c>Worker</c> only runs jobs (plus health endpoints).</summary>
public enum ServerRole
{
    All,
    Web,
    Worker,
}

/// <summary>Host-level settings. Section <c>Server</c>.</summary>
public sealed class ServerOptions : IValidatableObject
{
    public const string Section = "Server";

    public ServerRole Role { get; set; } = ServerRole.All;

    /// <summary>Origins allowed to call the API cross-site. Empty (default): same-origin only.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Proxy IP addresses whose <c>X-Forwarded-For</c>/<c>-Proto</c> headers are trusted. Empty: none.</summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Seconds a graceful shutdown waits for running work before handing it back.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    public bool ServesHttp => Role is ServerRole.All or ServerRole.Web;

    public bool RunsJobs => Role is ServerRole.All or ServerRole.Worker;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"'{proxy}' is not an IP address.", [nameof(TrustedProxies)]);
            }
        }

        foreach (var origin in CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                yield return new ValidationResult($"'{origin}' is not an origin such as https://example.com.", [nameof(CorsOrigins)]);
            }
        }
    }
}
