namespace Ret.Conversion.Conversion;

/// <summary>One segment of a column key: an element occurrence or an attribute. <see cref="Namespace"/> is <c>{uri}</c> only where the namespace changes, else empty.</summary>
internal readonly record struct ColumnSegment(NodeKind Kind, string LocalName, string Namespace, string Prefix, int Index);

/// <summary>A column as one file knows it: structural key plus segments, before the group layout names it.</summary>
internal sealed record LocalColumn(string Key, ColumnSegment[] Segments, bool IsContext);

/// <summary>A value outside the records that was never attached to a row; it is added to every row of its file.</summary>
internal readonly record struct TrailerValue(int ColumnId, string Value, bool IsValue);

/// <summary>Why a file failed, with line/position when the XML reader knows them.</summary>
public sealed record FileError(string Message, int? Line, int? Position);

/// <summary>Result of extracting one file into its spill.</summary>
internal sealed class FileExtraction
{
    public required string Path { get; init; }
    public long Bytes { get; set; }
    public long Records { get; set; }
    public long ValuesSeen { get; set; }
    public List<LocalColumn> Columns { get; set; } = [];
    public List<TrailerValue> Trailer { get; set; } = [];
    public string? SpillPath { get; set; }
    public FileError? Error { get; set; }
    public string? Warning { get; set; }
}
