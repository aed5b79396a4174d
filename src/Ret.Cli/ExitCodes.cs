namespace Ret.Cli;

/// <summary>Process exit codes (documented in README.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int PartialFailure = 1;
    public const int Usage = 2;
    public const int InputNotFound = 3;
    public const int InvalidOption = 4;
    public const int Error = 5;
    public const int Cancelled = 130;
}
