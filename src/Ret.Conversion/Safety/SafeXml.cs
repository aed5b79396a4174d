using System.Text;
using System.Xml;

namespace Ret.Conversion.Safety;

/// <summary>
/// The only place XML readers are created. DTDs are prohibited (no XXE, no entity expansion), there is no
/// resolver (no file or network access), and the document size is capped. Element depth is checked by the
/// callers, which walk the reader anyway (XmlReader has no depth setting).
/// </summary>
public static class SafeXml
{
    static SafeXml() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Makes legacy code pages (Windows-1252 …) available to XML encoding declarations.</summary>
    public static void EnsureEncodings() { /* runs the static constructor */ }

    public static XmlReaderSettings CreateSettings(SafetyLimits limits, XmlNameTable? nameTable = null) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = limits.MaxXmlCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
        NameTable = nameTable ?? new CachedNameTable(),
    };

    public static XmlReader Create(Stream stream, SafetyLimits limits, XmlNameTable? nameTable = null) =>
        XmlReader.Create(stream, CreateSettings(limits, nameTable));

    /// <summary>Builds the user-facing message for a failed document, with line/position when known.</summary>
    public static string Describe(Exception error)
    {
        var message = error switch
        {
            XmlException x when x.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) =>
                $"DTDs are not allowed (XXE/entity expansion protection): {x.Message}",
            _ => error.Message,
        };
        return message;
    }
}
