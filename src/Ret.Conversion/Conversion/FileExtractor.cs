using Ret.Conversion.Safety;
using Ret.Conversion.Xml;

namespace Ret.Conversion.Conversion;

/// <summary>
/// Extracts one document into its spill: with the fast UTF-8 reader first, and — when that reader meets something
/// it leaves to <see cref="System.Xml.XmlReader"/> (docs/decisions/0109) — again from the start with XmlReader, after
/// discarding everything the first pass wrote. Either way the result is the same rows and columns.
/// </summary>
internal static class FileExtractor
{
    /// <param name="open">Opens the document; the argument is true for the second read after a fallback. The
    /// caller owns (and disposes) the streams it returns.</param>
    public static void Extract(
        RecordMatcher matcher, SafetyLimits limits, ValueClassifier classifier, bool fast,
        Func<bool, Stream> open, string spillPath, FileExtraction result, CancellationToken ct)
    {
        if (fast)
        {
            try
            {
                var stream = open(false);
                using (var spill = new SpillWriter(spillPath, classifier))
                {
                    new RowExtractor(matcher, limits, spill).RunFast(stream, result, ct);
                    spill.Complete();
                }
                return;
            }
            catch (XmlFallbackException)
            {
                File.Delete(spillPath);
            }
        }
        var again = open(fast);
        using (var spill = new SpillWriter(spillPath, classifier))
        {
            new RowExtractor(matcher, limits, spill).Run(again, result, ct);
            spill.Complete();
        }
    }
}
