namespace Ret.Server.Tests.Infrastructure;

/// <summary>A clock for tests: real time plus an offset that only moves forward when told. Registered in place of
/// <see cref="TimeProvider.System"/> (see <see cref="AuthApiFactory.Clock"/>).</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
