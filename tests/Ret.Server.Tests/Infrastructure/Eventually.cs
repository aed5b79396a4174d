namespace Ret.Server.Tests.Infrastructure;

/// <summary>Waits for something a background job or another process brings about.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails with <paramref name="why"/> (computed
    /// then, so it can show the state at the failure) after <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> why, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, why());
            await Task.Delay(20);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, Func{string}, int)"/>
    public static Task UntilAsync(Func<Task<bool>> condition, string why, int seconds = 60) => UntilAsync(condition, () => why, seconds);

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, Func{string}, int)"/>
    public static Task UntilAsync(Func<bool> condition, string why, int seconds = 60) => UntilAsync(() => Task.FromResult(condition()), () => why, seconds);
}
