using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.ObjectStore;

public sealed class PlanningTests
{
    private const long MiB = 1L << 20;
    private static readonly SwiftCapabilities Caps = SwiftCapabilities.Defaults;

    [Fact]
    public void A_file_up_to_the_segment_size_is_one_object()
    {
        var plan = SegmentPlan.For(8 * MiB, 8 * MiB, Caps);
        Assert.False(plan.Segmented);
        Assert.False(SegmentPlan.For(0, 8 * MiB, Caps).Segmented);
    }

    [Fact]
    public void A_larger_file_is_cut_into_segments_the_last_one_shorter()
    {
        var plan = SegmentPlan.For(24 * MiB + 5, 8 * MiB, Caps);
        Assert.True(plan.Segmented);
        Assert.Equal(4, plan.Count);
        Assert.Equal((0L, 8 * MiB), plan.Segment(0));
        Assert.Equal((16 * MiB, 8 * MiB), plan.Segment(2));
        Assert.Equal((24 * MiB, 5L), plan.Segment(3));
        Assert.Equal("a b/f.bin/25165829/8388608/", plan.SegmentPrefix("a b/f.bin"));
    }

    [Fact]
    public void Segments_grow_when_the_manifest_would_hold_too_many()
    {
        var caps = Caps with { MaxManifestSegments = 10 };
        var plan = SegmentPlan.For(100 * MiB + 1, MiB, caps);
        Assert.Equal(10, plan.Count);
        Assert.True(plan.SegmentSize * 10 >= 100 * MiB + 1);
    }

    [Fact]
    public void The_segment_size_is_clamped_to_the_cluster_limits()
    {
        var caps = Caps with { MaxFileSize = 10 * MiB, MinSegmentSize = 2 * MiB };
        Assert.Equal(10 * MiB, SegmentPlan.For(30 * MiB, 1L << 30, caps).SegmentSize);
        Assert.Equal(2 * MiB, SegmentPlan.For(30 * MiB, 1, caps).SegmentSize);
    }

    [Fact]
    public void A_file_too_large_for_the_cluster_is_refused_with_the_limits()
    {
        var caps = Caps with { MaxFileSize = 10 * MiB, MaxManifestSegments = 2 };
        var e = Assert.Throws<OpenStackException>(() => SegmentPlan.For(30 * MiB, 10 * MiB, caps));
        Assert.Contains("2 segments", e.Message);
        var noSlo = Caps with { MaxFileSize = 10 * MiB, SloSupported = false };
        Assert.False(SegmentPlan.For(10 * MiB, MiB, noSlo).Segmented);
        Assert.Throws<OpenStackException>(() => SegmentPlan.For(11 * MiB, MiB, noSlo));
    }

    [Theory]
    [InlineData("a", "a/100/10/00000001", true)]
    [InlineData("a b", "a b/100/10/00000001", true)]
    [InlineData("a", "a/b/100/10/00000001", false)]   // a segment of object "a/b"
    [InlineData("a", "a/123", false)]
    [InlineData("a", "ab/100/10/00000001", false)]
    [InlineData("a", "a/100/x/00000001", false)]
    public void Only_names_of_this_objects_segment_pattern_are_its_leftovers(string obj, string segment, bool expected) =>
        Assert.Equal(expected, SegmentPlan.IsSegmentOf(obj, segment));

    [Fact]
    public void The_swift_mtime_format_has_six_decimals()
    {
        var t = DateTime.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(1_234_567);
        Assert.Equal("1700000000.123456", ObjectMtime.Format(t));
    }

    [Fact]
    public void Capabilities_are_read_from_info_with_swift_defaults_for_the_missing()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"swift": {"version": "2.30.1", "max_file_size": 5368709122, "container_listing_limit": 5000},
             "slo": {"max_manifest_segments": 1000, "min_segment_size": 1}, "tempurl": {}}
            """);
        var caps = SwiftCapabilities.Parse(doc.RootElement);
        Assert.Equal(5368709122, caps.MaxFileSize);
        Assert.Equal(5000, caps.ContainerListingLimit);
        Assert.Equal(1024, caps.MaxObjectNameLength);
        Assert.True(caps.SloSupported);
        Assert.True(caps.FromCluster);
        Assert.Equal(["slo", "tempurl"], caps.Middleware);

        using var noSlo = System.Text.Json.JsonDocument.Parse("""{"swift": {}}""");
        Assert.False(SwiftCapabilities.Parse(noSlo.RootElement).SloSupported);
    }

    [Fact]
    public void Downloads_stay_inside_the_target_directory()
    {
        var root = Path.Combine(Path.GetTempPath(), "target");
        Assert.Equal(Path.Combine(root, "a", "b c.txt"), BatchDownloader.TargetPath(root, "a/b c.txt"));
        Assert.Equal(Path.Combine(root, "etc", "passwd"), BatchDownloader.TargetPath(root, "/etc/passwd"));
        Assert.Null(BatchDownloader.TargetPath(root, "../escape"));
        Assert.Null(BatchDownloader.TargetPath(root, "a/../../escape"));
        Assert.Null(BatchDownloader.TargetPath(root, "a/./b"));
    }
}
