using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>What other tools write: Dynamic Large Object manifests, mtimes and directory markers.</summary>
public sealed class ForeignObjectsTests
{
    [Theory]
    [InlineData("c_segments/big.bin/1796135888.950093/2500000/1048576/", "c_segments", "big.bin/1796135888.950093/2500000/1048576/")]
    [InlineData("c_segments/big2.bin/1796135900.640009243/2500000", "c_segments", "big2.bin/1796135900.640009243/2500000")]
    [InlineData("seg%20s/d%C3%A9j%C3%A0%20vu/", "seg s", "déjà vu/")]
    [InlineData("/c/p", "c", "p")]
    [InlineData("c/", "c", "")]
    public void A_manifest_names_the_segment_container_and_prefix(string manifest, string container, string prefix) =>
        Assert.Equal((container, prefix), ObjectStoreClient.ParseDynamicManifest(manifest));

    [Theory]
    [InlineData("no-slash")]
    [InlineData("/")]
    public void A_manifest_without_a_container_is_a_protocol_error(string manifest)
    {
        var e = Assert.Throws<ObjectStoreProtocolException>(() => ObjectStoreClient.ParseDynamicManifest(manifest));
        Assert.Contains("<container>/<prefix>", e.Message);
    }

    [Theory]
    [InlineData("1796135888.950093", true)]        // swift upload: microseconds, rounded
    [InlineData("1796135888.950094", true)]
    [InlineData("1796135888.950093400", true)]     // rclone: nanoseconds
    [InlineData("1796135888.950096", false)]
    [InlineData("1796135888.950091", false)]
    [InlineData("1796135888.95", false)]
    [InlineData("1796135889", false)]
    [InlineData("not a time", false)]
    public void Mtimes_of_either_tool_compare_to_the_microsecond(string stored, bool same)
    {
        var local = DateTime.UnixEpoch.AddTicks(17961358889500934L);   // .9500934 s: finer than a microsecond
        Assert.Equal(same, ObjectMtime.Same(stored, local));
    }

    [Theory]
    [InlineData("1796135888.950093", 17961358889500930L)]
    [InlineData("1796135888.950093449", 17961358889500934L)]    // rclone's nanoseconds, to the nearest tick
    [InlineData("1796135888", 17961358880000000L)]
    [InlineData("0.5", 5000000L)]
    public void A_stored_mtime_reads_back_to_the_tick(string stored, long ticksSinceEpoch)
    {
        Assert.True(ObjectMtime.TryParse(stored, out var utc));
        Assert.Equal(DateTime.UnixEpoch.AddTicks(ticksSinceEpoch), utc);
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1e9")]
    [InlineData("yesterday")]
    [InlineData("999999999999999")]    // after the year 9999
    public void What_is_not_a_time_after_the_epoch_is_not_read_as_one(string stored) =>
        Assert.False(ObjectMtime.TryParse(stored, out _));

    [Fact]
    public void Our_own_mtime_string_compares_equal() =>
        Assert.True(ObjectMtime.Same(ObjectMtime.Format(new DateTime(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc).AddTicks(1234567)),
            new DateTime(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc).AddTicks(1234567)));

    [Theory]
    [InlineData("tree/empty", 0, "application/directory", true)]
    [InlineData("tree/empty", 0, "application/directory; charset=UTF-8", true)]
    [InlineData("dir/", 0, "application/octet-stream", true)]
    [InlineData("dir/", 12, null, true)]
    [InlineData("tree/data", 5, "application/directory", false)]
    [InlineData("empty.txt", 0, "text/plain", false)]
    public void Directory_markers_are_known_by_content_type_or_trailing_slash(string name, long bytes, string? contentType, bool marker)
    {
        var e = new ObjectEntry(name, Checksums.EmptyMd5, bytes, contentType, null);
        Assert.Equal(marker, e.IsDirectoryMarker);
        Assert.Equal(!marker && bytes == 0, e.MayBeDynamicLargeObject);
    }

    [Fact]
    public void Subdirectories_and_static_large_objects_need_no_head()
    {
        Assert.False(new ObjectEntry("dir/", null, 0, null, null) { IsSubdir = true }.MayBeDynamicLargeObject);
        Assert.False(new ObjectEntry("dir/", null, 0, null, null) { IsSubdir = true }.IsDirectoryMarker);
        Assert.False(new ObjectEntry("slo", "abc", 0, null, null, SloETag: "def").MayBeDynamicLargeObject);
    }
}
