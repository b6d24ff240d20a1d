using System.Security.Cryptography;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>Faults of Swift while a stream of unknown length is uploaded: a forward-only input, so only the segment in
/// memory can be sent again.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StreamUploadFaultTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int MiB = 1 << 20;

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(11).NextBytes(data);
        return data;
    }

    private static bool IsSegmentPut(ProxyRequest r, int index) => r.Method == "PUT" && r.Path.Contains("_segments/", StringComparison.Ordinal)
        && r.LastSegment == index.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<FileResult> UploadStreamAsync(FaultProxy proxy, string container, byte[] data)
    {
        var client = new ObjectStoreClient(Session(), Via(proxy));
        FileResult? result = null;
        var job = new StreamUploadJob(container, "stream.bin") { Settings = Upload(segmentSize: MiB) with { Retries = 2 } };
        var summary = await new BatchUploader(client, Sys).UploadAsync(job, new ForwardOnlyStream(data), r => result = r);
        Assert.Equal(1, summary.Transferred + summary.Failed);
        return result!;
    }

    [Fact]
    public async Task A_segment_cut_mid_body_is_sent_again_from_memory_and_the_stream_round_trips()
    {
        var data = Data(5 * MiB + 3);
        var cuts = 0;
        var proxy = Proxy(SwiftUrl, r => IsSegmentPut(r, 2) && Interlocked.Increment(ref cuts) == 1
            ? new FaultAction.Forward { CutRequestBodyAfter = 300_000 }
            : FaultAction.Pass);
        var container = Container("stream-cut");

        var uploaded = Assert.IsType<FileUploaded>(await UploadStreamAsync(proxy, container, data));

        Assert.Equal(6, uploaded.Segments);
        var attempts = proxy.Exchanges.Where(e => IsSegmentPut(e.Request, 2)).OrderBy(e => e.Request.Seq).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(ProxyOutcome.RequestCut, attempts[0].Outcome);
        Assert.Equal(MiB, attempts[1].RequestBodyBytes);   // the whole segment again, from memory
        var segmentMd5 = Convert.ToHexStringLower(MD5.HashData(data.AsSpan(2 * MiB, MiB)));
        Assert.All(attempts, a => Assert.Equal(segmentMd5, a.Request.Header("ETag")));
        await using var download = await Direct.GetObjectAsync(container, "stream.bin");
        using var copy = new MemoryStream();
        await download.Content.CopyToAsync(copy);
        Assert.Equal(MD5.HashData(data), MD5.HashData(copy.ToArray()));
        Assert.True(download.Metadata.IsStaticLargeObject);
    }

    [Fact]
    public async Task A_segment_refused_for_good_fails_the_stream_and_the_segments_stored_before_are_deleted()
    {
        var data = Data(4 * MiB + 10);
        var proxy = Proxy(SwiftUrl, r => IsSegmentPut(r, 2) ? FaultAction.Answer(400, body: "refused by the test") : FaultAction.Pass);
        var container = Container("stream-refused");

        var failed = Assert.IsType<FileFailed>(await UploadStreamAsync(proxy, container, data));

        Assert.Contains("the 2 segment(s) stored before were deleted", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Exchanges.Count(e => IsSegmentPut(e.Request, 2)));   // not transient: not tried again
        Assert.DoesNotContain(proxy.Exchanges, e => IsSegmentPut(e.Request, 3));     // nothing read or sent after it
        Assert.Null(await Direct.HeadObjectAsync(container, "stream.bin"));
        Assert.Empty(await ObjectStoreTestSupport.SegmentsLeftAsync(Direct, container));
    }
}
