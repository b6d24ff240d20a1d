using System.Security.Cryptography;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The public object-store stages (<see cref="ObjectStoreStreams"/>) against the real Swift, 1 MiB segments.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObjectStoreStreamsIntegrationTests : TestKit, IAsyncLifetime
{
    private readonly List<string> _dirs = new();
    private readonly List<string> _containers = new();
    private ObjectStoreClient? _client;

    private ObjectStoreClient Swift => _client ??= Client(Sys);
    private IMaterializer Mat => Sys.Materializer();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _containers) await DeleteEverythingAsync(Swift, c);
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    private string Container(string what)
    {
        var c = NewContainer(what);
        _containers.Add(c);
        return c;
    }

    private string Dir(string? root = null)
    {
        var d = root ?? Directory.CreateTempSubdirectory("os-streams-").FullName;
        _dirs.Add(d);
        return d;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private async Task<IReadOnlyList<FileResult>> Run<T>(Source<T, Akka.NotUsed> source, Flow<T, FileResult, Task> flow) =>
        await source.Via(flow).RunWith(Sink.Seq<FileResult>(), Mat);

    [Fact]
    public async Task The_listing_source_reads_every_page_and_applies_prefix_delimiter_and_filter()
    {
        var container = Container("list");
        var items = Enumerable.Range(0, 23).Select(i => UploadItem.FromBytes($"{(i % 2 == 0 ? "even" : "odd")}/n{i:D2}.{(i % 3 == 0 ? "log" : "txt")}", Bytes(10 + i, i)));
        var uploaded = await Run(Source.From(items), ObjectStoreStreams.Upload(Swift, container, SmallSegments()));
        Assert.All(uploaded, r => Assert.IsType<FileUploaded>(r));

        // Pages of 5: five requests, every entry once, in name order.
        var all = await ObjectStoreStreams.Listing(Swift, container, new ListOptions { PageSize = 5 }).RunWith(Sink.Seq<ObjectEntry>(), Mat);
        Assert.Equal(23, all.Count);
        Assert.Equal(all.Select(e => e.Name).Order(StringComparer.Ordinal), all.Select(e => e.Name));

        var dirs = await ObjectStoreStreams.Listing(Swift, container, new ListOptions { Delimiter = '/', PageSize = 1 }).RunWith(Sink.Seq<ObjectEntry>(), Mat);
        Assert.Equal(["even/", "odd/"], dirs.Select(d => d.Subdir));

        var filter = TransferFilter.Create(new TransferFilterOptions { Include = ["*.log"] });
        var logs = await ObjectStoreStreams.Listing(Swift, container, new ListOptions { Prefix = "even/", PageSize = 2 }, filter).RunWith(Sink.Seq<ObjectEntry>(), Mat);
        Assert.Equal(Enumerable.Range(0, 23).Where(i => i % 2 == 0 && i % 3 == 0).Select(i => $"even/n{i:D2}.log"), logs.Select(e => e.Name));
    }

    [Fact]
    public async Task A_walked_tree_uploads_with_its_large_files_as_SLOs_skips_on_a_rerun_and_downloads_byte_identical()
    {
        var container = Container("tree");
        var (root, files) = SampleTree();
        Dir(root);

        var first = await Run(ObjectStoreStreams.LocalDirectory(root), ObjectStoreStreams.UploadFiles(Swift, container, SmallSegments()));
        Assert.Equal(files, first.Count);
        Assert.All(first, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(4, first.OfType<FileUploaded>().Single(u => u.ObjectName == "large/three and a half.bin").Segments);
        Assert.True((await Swift.HeadObjectAsync(container, "large/three and a half.bin"))!.IsStaticLargeObject);

        var again = await Run(ObjectStoreStreams.LocalDirectory(root), ObjectStoreStreams.UploadFiles(Swift, container, SmallSegments()));
        Assert.All(again, r => Assert.IsType<FileSkipped>(r));

        var target = Dir();
        var downloaded = await Run(ObjectStoreStreams.Listing(Swift, container), ObjectStoreStreams.Download(Swift, container, target, SmallSegments()));
        Assert.Equal(files, downloaded.OfType<FileDownloaded>().Count());
        Assert.Equal(Hashes(root), Hashes(target));
    }

    [Fact]
    public async Task An_item_of_unknown_length_becomes_an_SLO_whose_content_is_the_item()
    {
        var container = Container("item");
        var data = Bytes((5 << 20) / 2, 7);
        var item = new UploadItem("reports/big.bin", () => new ForwardOnlyStream(data), null)
        {
            Headers = new Dictionary<string, string> { ["X-Object-Meta-Kind"] = "report" },
        };

        var result = Assert.IsType<FileUploaded>(Assert.Single(await Run(Source.Single(item), ObjectStoreStreams.Upload(Swift, container, SmallSegments()))));

        Assert.Equal(3, result.Segments);
        var head = await Swift.HeadObjectAsync(container, "reports/big.bin");
        Assert.True(head!.IsStaticLargeObject);
        Assert.Equal("report", head.Metadata["kind"]);
        var target = Path.Combine(Dir(), "big.bin");
        await Swift.DownloadToFileAsync(container, "reports/big.bin", target);
        Assert.Equal(MD5.HashData(data), MD5.HashData(File.ReadAllBytes(target)));
    }

    [Fact]
    public async Task The_delete_flow_deletes_listed_objects_with_bulk_requests_and_large_objects_with_their_segments()
    {
        var container = Container("delete");
        Assert.True((await Swift.GetCapabilitiesAsync()).BulkDeleteSupported);
        var items = Enumerable.Range(0, 30).Select(i => UploadItem.FromBytes($"o{i:D2}", Bytes(100, i)))
            .Append(UploadItem.FromBytes("large", Bytes((3 << 20) / 2, 99)));
        Assert.All(await Run(Source.From(items), ObjectStoreStreams.Upload(Swift, container, SmallSegments())), r => Assert.IsType<FileUploaded>(r));
        Assert.NotEmpty(await SegmentsLeftAsync(Swift, container));

        var deleted = await Run(ObjectStoreStreams.Listing(Swift, container, new ListOptions { PageSize = 7 }),
            ObjectStoreStreams.Delete(Swift, container, SmallSegments() with { BulkDeleteMaxPerRequest = 8 }));

        Assert.Equal(31, deleted.Count);
        Assert.All(deleted, r => Assert.IsType<FileDeleted>(r));
        Assert.Empty(await ObjectStoreStreams.Listing(Swift, container).RunWith(Sink.Seq<ObjectEntry>(), Mat));
        Assert.Empty(await SegmentsLeftAsync(Swift, container));
    }

    [Fact]
    public async Task Cancelling_downstream_mid_SLO_leaves_no_manifest_and_no_segments()
    {
        var container = Container("cancel");
        var body = new StallingStream(Bytes((5 << 20) / 2, 3));
        var item = new UploadItem("stalled.bin", () => body, null);

        var ((killSwitch, drained), results) = Source.Single(item)
            .ViaMaterialized(ObjectStoreStreams.Upload(Swift, container, SmallSegments()), Keep.Right)
            .ViaMaterialized(KillSwitches.Single<FileResult>(), (d, k) => (k, d))
            .ToMaterialized(Sink.Seq<FileResult>(), Keep.Both)
            .Run(Mat);

        await body.Stalled.WaitAsync(TimeSpan.FromSeconds(60));
        // Two segments are stored by the time the third is read.
        Assert.Equal(2, (await SegmentsLeftAsync(Swift, container)).Count);
        killSwitch.Shutdown();

        Assert.Empty(await results);
        await drained.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(await Swift.HeadObjectAsync(container, "stalled.bin"));
        Assert.Empty(await SegmentsLeftAsync(Swift, container));
    }

    [Fact]
    public async Task A_kill_switch_before_the_flow_stops_admitting_items_and_the_ones_in_flight_complete()
    {
        var container = Container("kill");
        var produced = 0;
        IEnumerable<UploadItem> Reports()
        {
            for (var i = 0; ; i++)
            {
                Interlocked.Increment(ref produced);
                yield return UploadItem.FromBytes($"r{i:D5}", Bytes(64 << 10, i));
            }
        }
        var settings = SmallSegments() with { Transfers = 2 };
        var five = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;

        var (killSwitch, results) = Source.From(Reports())
            .ViaMaterialized(KillSwitches.Single<UploadItem>(), Keep.Right)
            .Via(ObjectStoreStreams.Upload(Swift, container, settings))
            .Select(r =>
            {
                if (Interlocked.Increment(ref seen) == 5) five.TrySetResult();
                return r;
            })
            .ToMaterialized(Sink.Seq<FileResult>(), Keep.Both)
            .Run(Mat);
        await five.Task.WaitAsync(TimeSpan.FromSeconds(60));
        killSwitch.Shutdown();

        var done = await results.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(done, r => Assert.IsType<FileUploaded>(r));
        var stored = await ObjectStoreStreams.Listing(Swift, container).RunWith(Sink.Seq<ObjectEntry>(), Mat);
        Assert.Equal(done.Select(r => r.ObjectName).Order(StringComparer.Ordinal), stored.Select(e => e.Name));
        // Backpressure: the producer ran ahead of Swift by no more than the stages' buffers.
        Assert.InRange(produced - done.Count, 0, 64);
    }

    /// <summary>Gives its bytes, then blocks until the read is cancelled (a producer that stalls mid-upload).</summary>
    private sealed class StallingStream(byte[] data) : Stream
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Stalled => _stalled.Task;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < data.Length)
            {
                var n = Math.Min(buffer.Length, data.Length - _position);
                data.AsMemory(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            _stalled.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
