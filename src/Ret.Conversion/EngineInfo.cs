using System.Reflection;

namespace Ret.Conversion;

/// <summary>Engine identity written into reports and manifests.</summary>
public static class EngineInfo
{
    /// <summary>Informational version of the Ret.Conversion assembly (e.g. <c>0.1.0</c>).</summary>
    public static string Version { get; } =
        (typeof(EngineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
