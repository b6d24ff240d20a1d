using System.Security.Cryptography;
using System.Text;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

public sealed class NamesAndSizesTests
{
    [Theory]
    [InlineData("plain.txt", "plain.txt")]
    [InlineData("dir/sub/file name.txt", "dir/sub/file%20name.txt")]
    [InlineData("a+b&c=d?e#f%g", "a%2Bb%26c%3Dd%3Fe%23f%25g")]
    [InlineData("été/ü.bin", "%C3%A9t%C3%A9/%C3%BC.bin")]
    [InlineData("trailing/", "trailing/")]
    [InlineData("a//b", "a//b")]
    [InlineData("...", "...")]
    public void Object_names_are_encoded_per_segment_keeping_slashes(string name, string encoded)
    {
        Assert.Equal(encoded, SwiftNames.EncodeObjectName(name));
        Assert.Equal("my%20c/" + encoded, SwiftNames.ObjectPath("my c", name));
    }

    [Fact]
    public void Encoded_names_survive_dotnet_uri_parsing_unchanged()
    {
        // The session joins the relative path to the endpoint through System.Uri, which must not unescape or collapse anything.
        var name = "x/a b+&=?#%.txt/é";
        var url = new Uri("http://swift.test/v1/AUTH_p/" + SwiftNames.ObjectPath("c", name));
        Assert.Equal("/v1/AUTH_p/c/" + SwiftNames.EncodeObjectName(name), url.AbsolutePath);
        Assert.Equal(name, Uri.UnescapeDataString(url.AbsolutePath["/v1/AUTH_p/c/".Length..]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData(".")]
    [InlineData("..")]
    public void Container_names_a_url_cannot_carry_are_refused_naming_the_name(string container)
    {
        var e = Assert.Throws<InvalidObjectNameException>(() => SwiftNames.ContainerPath(container));
        Assert.Contains($"'{container}'", e.Message);
        Assert.Null(e.ObjectName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("a/.")]
    [InlineData("bad\nname")]
    public void Object_names_a_url_cannot_carry_are_refused(string name)
    {
        var e = Assert.Throws<InvalidObjectNameException>(() => SwiftNames.ObjectPath("c", name));
        Assert.Equal(name, e.ObjectName);
    }

    [Fact]
    public void Query_values_are_encoded_and_null_parameters_left_out()
    {
        Assert.Equal("?format=json&prefix=a%20b%2F%26&marker=x%3Dy",
            SwiftNames.Query(("format", "json"), ("prefix", "a b/&"), ("delimiter", null), ("marker", "x=y")));
        Assert.Equal("", SwiftNames.Query(("a", null)));
    }

    [Theory]
    [InlineData(null, "sub/f.txt")]
    [InlineData("", "sub/f.txt")]
    [InlineData("backup", "backup/sub/f.txt")]
    [InlineData("/backup/2024/", "backup/2024/sub/f.txt")]
    public void Object_names_are_relative_paths_after_the_prefix(string? prefix, string expected)
    {
        var root = Path.Combine(Path.GetTempPath(), "root");
        Assert.Equal(expected, SwiftNames.ObjectNameFor(root, Path.Combine(root, "sub", "f.txt"), prefix));
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("4MiB", 4L << 20)]
    [InlineData("4 MiB", 4L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("8m", 8L << 20)]
    [InlineData("500kB", 500_000L)]
    [InlineData("2GB", 2_000_000_000L)]
    [InlineData("512B", 512L)]
    public void Sizes_take_units(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("-1MiB")]
    [InlineData("12 parsecs")]
    public void Invalid_sizes_are_refused_with_an_example(string text)
    {
        var e = Assert.Throws<FormatException>(() => ByteSize.Parse(text));
        Assert.Contains("4MiB", e.Message);
    }

    [Fact]
    public void Slo_etag_is_the_md5_of_the_concatenated_segment_md5s()
    {
        var a = Convert.ToHexStringLower(MD5.HashData("first"u8));
        var b = Convert.ToHexStringLower(MD5.HashData("second"u8));
        var expected = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(a + b)));
        Assert.Equal(expected, Checksums.SloETag([a, b]));
        Assert.Equal(expected, Checksums.SloETag([a.ToUpperInvariant(), b]));
        Assert.True(Checksums.SameETag("\"" + expected + "\"", expected.ToUpperInvariant()));
        Assert.False(Checksums.SameETag(a, b));
        Assert.False(Checksums.SameETag(a, null));
    }

    [Fact]
    public async Task A_file_segment_stream_reads_exactly_its_range()
    {
        var path = Path.GetTempFileName();
        try
        {
            var data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
            await File.WriteAllBytesAsync(path, data);
            await using (var s = FileSegmentStream.Open(path, 3000, 2500))
            {
                Assert.Equal(2500, s.Length);
                var copy = new MemoryStream();
                await s.CopyToAsync(copy);
                Assert.Equal(data[3000..5500], copy.ToArray());
            }
            await using (var tail = FileSegmentStream.Open(path, 9000, 5000))
                Assert.Equal(1000, tail.Length);
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data.AsSpan(3000, 2500))), await Checksums.Md5OfFileAsync(path, 3000, 2500));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Settings_read_hocon_with_units_and_fall_back_to_defaults()
    {
        var s = ObjectStoreSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString(
            "openstack.object-store { transfers = 4, segment-size = 8MiB, skip = changed }"));
        Assert.Equal(4, s.Transfers);
        Assert.Equal(8L << 20, s.SegmentSize);
        Assert.Equal(SkipMode.Changed, s.Skip);
        Assert.Equal(4L << 30, s.MaxBytesInFlight);
        Assert.Equal(ObjectStoreSettings.Default, ObjectStoreSettings.Create(null));
        var e = Assert.Throws<ArgumentException>(() => ObjectStoreSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("openstack.object-store.skip = sometimes")));
        Assert.Contains("sometimes", e.Message);
    }

    [Fact]
    public void The_info_url_is_beside_the_api_version()
    {
        Assert.Equal("http://127.0.0.1:8080/info", ObjectStoreClient.InfoUrl(new Uri("http://127.0.0.1:8080/v1/AUTH_abc")).AbsoluteUri);
        Assert.Equal("https://rgw.test/swift/info", ObjectStoreClient.InfoUrl(new Uri("https://rgw.test/swift/v1/AUTH_abc")).AbsoluteUri);
        Assert.Equal("https://s.test:8443/info", ObjectStoreClient.InfoUrl(new Uri("https://s.test:8443/")).AbsoluteUri);
    }
}
