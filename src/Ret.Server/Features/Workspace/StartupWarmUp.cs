using Microsoft.Extensions.Options;

namespace Ret.Server.Features.Workspace;

/// <summary>
/// Work done once in the background after the server has started (<c>Workspace:WarmUpOnStart</c>), so that the first
/// user's requests and jobs do not pay for compiling code paths. Start-up itself is not delayed; a failure is only
/// logged (<see cref="FailureMessage"/>), and the paths are then compiled by the first user's requests as before.
/// </summary>
public abstract class StartupWarmUp(IOptions<WorkspaceOptions> options, IHostApplicationLifetime lifetime, ILogger logger) : BackgroundService
{
    /// <summary>Set when the warm-up finished (or was skipped); for tests and the warm-ups that follow this one.</summary>
    public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>It ran to its end without an error.</summary>
    public bool Succeeded { get; private set; }

    /// <summary>The workspace settings (read when the warm-up runs).</summary>
    protected WorkspaceOptions Options => options.Value;

    protected ILogger Logger => logger;

    /// <summary>Logged as a warning, with the exception, when the warm-up fails.</summary>
    protected abstract string FailureMessage { get; }

    /// <summary>The warm-up itself, once the server is listening.</summary>
    protected abstract Task WarmUpAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WarmUpOnStart)
        {
            Completed.TrySetResult();
            return;
        }

        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }

            await WarmUpAsync(stoppingToken);
            Succeeded = true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
#pragma warning disable CA2254 // the message is a constant of the subclass
            logger.LogWarning(ex, FailureMessage);
#pragma warning restore CA2254
        }
        finally
        {
            Completed.TrySetResult();
        }
    }
}
