namespace Ret.Server.Features.Jobs;

/// <summary>An <see cref="IProgress{T}"/> that calls its handler synchronously on the reporting thread (unlike
/// <see cref="Progress{T}"/>, which posts to a synchronization context) — the handler must be cheap.</summary>
internal sealed class DelegateProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
