using System.Security.Cryptography;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

public sealed class UploadHeadersTests
{
    [Fact]
    public void A_header_is_name_colon_value_trimmed()
    {
        Assert.Equal(new KeyValuePair<string, string>("X-Delete-After", "3600"), UploadHeaders.ParseHeader("X-Delete-After:  3600 "));
        Assert.Equal(new KeyValuePair<string, string>("Content-Disposition", "attachment; filename=\"a:b.txt\""),
            UploadHeaders.ParseHeader("Content-Disposition: attachment; filename=\"a:b.txt\""));
    }

    [Fact]
    public void Metadata_becomes_an_object_meta_header()
    {
        Assert.Equal(new KeyValuePair<string, string>("X-Object-Meta-owner", "me=you"), UploadHeaders.ParseMetadata("owner=me=you"));
    }

    [Theory]
    [InlineData("no colon here", "Name: value")]
    [InlineData(": value", "name")]
    [InlineData("Bad Name: v", "characters")]
    [InlineData("X_Under: v", "characters")]
    [InlineData("X-Object-Meta-: v", "key")]
    [InlineData("X-Object-Manifest: c/prefix", "Dynamic Large Object")]
    [InlineData("etag: abc", "MD5")]
    [InlineData("X-Object-Meta-Mtime: 12", "modification time")]
    [InlineData("X-Delete-After: an hour", "whole number")]
    [InlineData("X-Delete-At: -5", "whole number")]
    public void A_header_that_cannot_go_on_an_upload_is_refused_saying_why(string text, string why)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => UploadHeaders.ParseHeader(text));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("=v")]
    [InlineData("mtime=1")]
    public void Metadata_not_of_the_form_key_value_or_owned_by_the_upload_is_refused(string text) =>
        Assert.ThrowsAny<ArgumentException>(() => UploadHeaders.ParseMetadata(text));

    [Fact]
    public void Validate_checks_headers_given_by_a_library_caller_too()
    {
        UploadHeaders.Validate(new Dictionary<string, string> { ["X-Object-Meta-A"] = "1", ["X-Delete-At"] = "1796139884" });
        Assert.ThrowsAny<ArgumentException>(() => UploadHeaders.Validate(new Dictionary<string, string> { ["X-Object-Meta-A"] = "1\r\nX-Evil: 1" }));
        Assert.ThrowsAny<ArgumentException>(() => UploadHeaders.Validate(new Dictionary<string, string> { ["x-object-manifest"] = "c/p" }));
    }

    [Theory]
    [InlineData("a.json", "application/json")]
    [InlineData("dir/a.png", "image/png")]
    [InlineData("A.PNG", "image/png")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("archive.tar.gz", "application/x-gzip")]
    [InlineData("no-extension", "application/octet-stream")]
    [InlineData("dots.in.dir/noext", "application/octet-stream")]
    [InlineData("trailing.", "application/octet-stream")]
    [InlineData("x.unknownext", "application/octet-stream")]
    public void The_content_type_is_guessed_from_the_extension(string name, string expected) =>
        Assert.Equal(expected, UploadHeaders.GuessContentType(name));

    [Fact]
    public void A_given_content_type_wins_over_the_guess_and_the_uploads_own_headers_are_added()
    {
        var given = new Dictionary<string, string> { ["content-type"] = "text/x-test", ["X-Object-Meta-Owner"] = "me" };
        var h = UploadHeaders.For(given, "a.json", (UploadHeaders.MtimeHeader, "1.000000"));
        Assert.Equal("text/x-test", h["Content-Type"]);
        Assert.Equal("me", h["x-object-meta-owner"]);
        Assert.Equal("1.000000", h["X-Object-Meta-Mtime"]);
        Assert.Equal("application/json", UploadHeaders.For(null, "a.json")["Content-Type"]);
    }
}

public sealed class SegmentBufferTests
{
    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stream that hands out at most a few bytes per read, as a pipe does.</summary>
    private sealed class TrickleStream(byte[] data, int perRead) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);
    }

    private static async Task<List<(byte[] Bytes, string Md5)>> SegmentsAsync(Stream input, long size)
    {
        var buffer = new SegmentBuffer(input);
        var segments = new List<(byte[], string)>();
        await buffer.FillAsync(size, CancellationToken.None);
        while (true)
        {
            using var copy = new MemoryStream();
            await using (var s = buffer.Open()) await s.CopyToAsync(copy);
            segments.Add((copy.ToArray(), buffer.Md5));
            if (await buffer.AtEndAsync(CancellationToken.None)) break;
            await buffer.FillAsync(size, CancellationToken.None);
        }
        return segments;
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(999, 1000)]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(3 * (1 << 20) + 17, 1 << 20)]
    [InlineData(5 * (1 << 20), 2 * (1 << 20) + 3)]
    public async Task A_stream_is_cut_into_segments_of_the_size_each_with_its_MD5(int length, int size)
    {
        var data = Random(length, length);
        var segments = await SegmentsAsync(new TrickleStream(data, 70_001), size);
        Assert.Equal(Math.Max(1, (length + size - 1) / size), segments.Count);
        Assert.All(segments.SkipLast(1), s => Assert.Equal(size, s.Bytes.Length));
        Assert.Equal(data, segments.SelectMany(s => s.Bytes).ToArray());
        Assert.All(segments, s => Assert.Equal(Convert.ToHexStringLower(MD5.HashData(s.Bytes)), s.Md5));
    }

    [Fact]
    public async Task The_buffer_can_be_read_again_for_a_retry()
    {
        var data = Random(2_500_000, 3);
        var buffer = new SegmentBuffer(new MemoryStream(data));
        await buffer.FillAsync(data.Length, CancellationToken.None);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var copy = new MemoryStream();
            await using (var s = buffer.Open()) await s.CopyToAsync(copy, 4096);
            Assert.Equal(data, copy.ToArray());
        }
    }
}
