using System.Text;
using Ret.Server.Features.Workspace.Uploads;

namespace Ret.Server.Tests.Workspace;

public sealed class TusProtocolTests
{
    private static string B64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    [Fact]
    public void Metadata_pairs_decode_from_base64_and_a_bare_key_has_no_value()
    {
        var result = TusProtocol.ParseMetadata($"filename {B64("Export été.zip")},filetype {B64("application/zip")}, is_confidential");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Export été.zip", result.Values["filename"]);
        Assert.Equal("application/zip", result.Values["filetype"]);
        Assert.True(result.Values.ContainsKey("is_confidential"));
        Assert.Null(result.Values["is_confidential"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Absent_metadata_is_empty(string? header)
    {
        var result = TusProtocol.ParseMetadata(header);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Values);
    }

    [Theory]
    [InlineData("filename not*base64", "not valid base64")]
    [InlineData("filename YQ=", "not valid base64")]
    [InlineData("filename YQ==,filename Yg==", "more than once")]
    [InlineData("filename YQ==,,filetype Yg==", "empty entry")]
    [InlineData("file\u00e9name YQ==", "invalid key")]
    [InlineData("filename YQ== Yg==", "contains a space")]
    [InlineData("filename /w==", "not valid UTF-8")]
    public void Malformed_metadata_is_rejected_with_the_reason(string header, string reason)
    {
        var result = TusProtocol.ParseMetadata(header);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
        Assert.Empty(result.Values);
    }

    [Fact]
    public void Oversized_metadata_is_rejected()
    {
        Assert.False(TusProtocol.ParseMetadata("filename " + new string('A', 5000)).Succeeded);
        Assert.False(TusProtocol.ParseMetadata(string.Join(',', Enumerable.Range(0, 40).Select(i => $"k{i} YQ=="))).Succeeded);
    }

    [Fact]
    public void A_missing_filename_parses_but_creation_refuses_it()
    {
        var parsed = TusProtocol.ParseMetadata($"filetype {B64("application/zip")}");
        var root = Directory.CreateTempSubdirectory("ret-tus-meta-").FullName;
        try
        {
            var result = new TusUploadStore(root, new UploadLimits()).Create(Guid.NewGuid(), Guid.NewGuid(), 100, parsed.Values, long.MaxValue);

            Assert.True(parsed.Succeeded);
            Assert.Equal(UploadError.InvalidName, result.Error);
            Assert.Equal("The upload needs a file name (metadata 'filename').", result.Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Formatted_metadata_parses_back_to_the_same_pairs()
    {
        var pairs = new Dictionary<string, string?> { ["filename"] = "a,b c.zip", ["empty"] = null, ["x"] = "ü𝄞" };

        var header = TusProtocol.FormatMetadata(pairs);
        var parsed = TusProtocol.ParseMetadata(header);

        Assert.Equal(pairs, parsed.Values);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("123", 123L)]
    [InlineData("000042", 42L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Lengths_and_offsets_parse_as_plain_non_negative_integers(string value, long expected)
    {
        Assert.True(TusProtocol.TryParseLength(value, out var length));
        Assert.Equal(expected, length);
        Assert.True(TusProtocol.TryParseOffset(value, out var offset));
        Assert.Equal(expected, offset);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("١٢")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999")]
    public void Anything_else_is_not_a_length_or_offset(string? value)
    {
        Assert.False(TusProtocol.TryParseLength(value, out _));
        Assert.False(TusProtocol.TryParseOffset(value, out _));
    }

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData(" 1.0.0 ", true)]
    [InlineData("0.2.2", false)]
    [InlineData("1.0", false)]
    [InlineData(null, false)]
    public void Only_tus_1_0_0_is_supported(string? header, bool supported) =>
        Assert.Equal(supported, TusProtocol.IsSupportedVersion(header));

    [Fact]
    public void Upload_expires_is_an_http_date()
    {
        Assert.Equal("Wed, 25 Jun 2014 16:00:00 GMT", TusProtocol.FormatExpires(new DateTimeOffset(2014, 6, 25, 18, 0, 0, TimeSpan.FromHours(2))));
    }
}
