namespace Ret.Server.Infrastructure.Hosting;

/// <summary>A condition that makes starting pointless (another server owns the runtime folder, …). The message is
/// written for the operator and printed as one line; the process exits with code 2.</summary>
public sealed class StartupFailedException(string message, Exception? inner = null) : Exception(message, inner);
