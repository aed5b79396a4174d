namespace Ret.Conversion.Safety;

/// <summary>
/// Caps enforced while archives are walked and XML is read (SECURITY-CHECKLIST 14–16).
/// Every byte cap is counted while inflating; archive headers are never trusted.
/// </summary>
public sealed record SafetyLimits
{
    /// <summary>Maximum number of archive entries (all archives, all depths) before the walk stops.</summary>
    public int MaxEntries { get; init; } = 200_000;

    /// <summary>Maximum number of bytes inflated from all archive entries together.</summary>
    public long MaxTotalBytes { get; init; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Maximum inflated size of one archive entry or input file.</summary>
    public long MaxEntryBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Maximum inflated/compressed ratio of one entry (checked once it passes <see cref="RatioCheckMinimumBytes"/>).</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>Entries smaller than this are never rejected for their ratio (tiny files compress oddly).</summary>
    public long RatioCheckMinimumBytes { get; init; } = 1024 * 1024;

    /// <summary>Maximum nesting of archives inside archives (the input archive is depth 1).</summary>
    public int MaxArchiveDepth { get; init; } = 10;

    /// <summary>Maximum XML element depth; deeper documents fail with a clear reason.</summary>
    public int MaxElementDepth { get; init; } = 512;

    /// <summary>Maximum characters in one XML document (passed to <c>XmlReaderSettings.MaxCharactersInDocument</c>).</summary>
    public long MaxXmlCharacters { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Nested archives up to this size are held in memory; larger ones are spilled to the temp directory.</summary>
    public long NestedArchiveMemoryBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>The defaults above.</summary>
    public static SafetyLimits Default { get; } = new();
}
