namespace Ret.Conversion.Safety;

/// <summary>A safety cap was reached; <see cref="Exception.Message"/> is the user-facing reason.</summary>
public sealed class LimitExceededException : Exception
{
    public LimitExceededException(string message) : base(message) { }

    public LimitExceededException(string message, Exception inner) : base(message, inner) { }

    public LimitExceededException() { }
}
