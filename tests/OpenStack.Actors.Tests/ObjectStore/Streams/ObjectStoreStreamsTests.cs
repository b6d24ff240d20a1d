using System.Net;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore.Streams;

/// <summary>The public stages (<see cref="ObjectStoreStreams"/>) under the real SessionActor over an in-memory Swift:
/// completion, failure, kill switches, downstream cancellation mid-SLO, bytes in flight, pause on outage, bulk deletes.</summary>
public sealed class ObjectStoreStreamsTests : TestKit, IDisposable
{
    private const string C = "c";
    private readonly MiniSwift _swift = new();
    private readonly List<string> _dirs = new();

    private ObjectStoreClient Client(ObjectStoreSettings? settings = null) => _swift.Client(Sys, settings);

    private static ObjectStoreSettings Settings(int transfers = 4) => ObjectStoreSettings.Default with
    {
        Transfers = transfers,
        SegmentSize = 64 << 10,
        ProbeMinBackoff = TimeSpan.FromMilliseconds(20),
        ProbeMaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    private IMaterializer Mat => Sys.Materializer();

    void IDisposable.Dispose()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    private static UploadItem Item(int i, int bytes = 1000)
    {
        var b = new byte[bytes];
        new Random(i).NextBytes(b);
        return UploadItem.FromBytes($"r{i:D4}", b);
    }

    [Fact]
    public async Task The_upload_flow_completes_with_one_result_per_item_and_its_work_task_completes_after()
    {
        var client = Client(Settings());
        var (work, results) = Source.From(Enumerable.Range(0, 25).Select(i => Item(i)))
            .ViaMaterialized(ObjectStoreStreams.Upload(client, C), Keep.Right)
            .ToMaterialized(Sink.Seq<FileResult>(), Keep.Both)
            .Run(Mat);

        var done = await results;
        await work;

        Assert.Equal(25, done.Count);
        Assert.All(done, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"r{i:D4}"), _swift.Names(C));
        var listed = await ObjectStoreStreams.Listing(client, C, new ListOptions { PageSize = 4 }).RunWith(Sink.Seq<ObjectEntry>(), Mat);
        Assert.Equal(_swift.Names(C), listed.Select(e => e.Name));
    }

    [Fact]
    public async Task A_stage_that_cannot_start_fails_the_stream_and_an_item_that_fails_does_not()
    {
        var client = Client(Settings());
        // A container name Swift refuses fails when the flow is made; a container the cloud refuses fails the stream.
        Assert.Throws<InvalidObjectNameException>(() => ObjectStoreStreams.Upload(client, "a/b"));
        _swift.RefuseContainers = true;
        var refused = await Assert.ThrowsAsync<HttpErrorException>(() => Source.Single(Item(0)).Via(ObjectStoreStreams.Upload(client, "other")).RunWith(Sink.Seq<FileResult>(), Mat));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        _swift.RefuseContainers = false;

        var failing = new UploadItem("broken", () => throw new IOException("the report generator crashed"), 10);
        var results = await Source.From([Item(1), failing, Item(2)]).Via(ObjectStoreStreams.Upload(client, C)).RunWith(Sink.Seq<FileResult>(), Mat);
        Assert.Contains("the report generator crashed", Assert.IsType<FileFailed>(results.Single(r => r.ObjectName == "broken")).Reason);
        Assert.Equal(2, results.OfType<FileUploaded>().Count());

        // A listing of a container that does not exist fails the stream with the 404.
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => ObjectStoreStreams.Listing(client, "missing").RunWith(Sink.Seq<ObjectEntry>(), Mat));
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
    }

    [Fact]
    public async Task Cancelling_downstream_while_a_large_file_is_half_sent_leaves_no_manifest_and_no_segments()
    {
        var root = Directory.CreateTempSubdirectory("os-stage-").FullName;
        _dirs.Add(root);
        var data = new byte[(64 << 10) * 4 + 100];
        new Random(5).NextBytes(data);
        await File.WriteAllBytesAsync(Path.Combine(root, "big.bin"), data);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stored = 0;
        _swift.BeforePut = async (container, name, ct) =>
        {
            if (container != C + "_segments") return;
            // Three segments go through; the others hang until the stage cancels them.
            if (Interlocked.Increment(ref stored) <= 3) return;
            held.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        };
        var client = Client(Settings(transfers: 4));

        var ((work, killSwitch), results) = ObjectStoreStreams.LocalDirectory(root)
            .ViaMaterialized(ObjectStoreStreams.UploadFiles(client, C), Keep.Right)
            .ViaMaterialized(KillSwitches.Single<FileResult>(), Keep.Both)
            .ToMaterialized(Sink.Seq<FileResult>(), Keep.Both)
            .Run(Mat);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(_swift.Names(C + "_segments"));
        killSwitch.Shutdown();

        Assert.Empty(await results);
        await work.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(_swift.Names(C));
        Assert.Empty(_swift.Names(C + "_segments"));
    }

    [Fact]
    public async Task Bytes_in_flight_stay_within_the_bound_however_many_transfers_are_allowed()
    {
        const int size = 10_000;
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        _swift.BeforePut = async (_, _, ct) =>
        {
            // Held until the bound is reached, so the test sees whether a fourth would get in.
            if (Interlocked.Increment(ref inFlight) >= 3) full.TrySetResult();
            await full.Task.WaitAsync(ct);
            Interlocked.Decrement(ref inFlight);
        };
        var client = Client(Settings(transfers: 8) with { MaxBytesInFlight = 3 * size });

        var results = await Source.From(Enumerable.Range(0, 30).Select(i => Item(i, size))).Via(ObjectStoreStreams.Upload(client, C)).RunWith(Sink.Seq<FileResult>(), Mat);

        Assert.All(results, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(3 * size, _swift.MaxInFlightBytes);
    }

    [Fact]
    public async Task A_kill_switch_before_the_flow_stops_the_producer_and_the_items_in_flight_are_stored()
    {
        var produced = 0;
        IEnumerable<UploadItem> Endless()
        {
            for (var i = 0; ; i++)
            {
                Interlocked.Increment(ref produced);
                yield return Item(i);
            }
        }
        var three = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        var (killSwitch, results) = Source.From(Endless())
            .ViaMaterialized(KillSwitches.Single<UploadItem>(), Keep.Right)
            .Via(ObjectStoreStreams.Upload(Client(Settings(transfers: 2)), C))
            .Select(r =>
            {
                if (Interlocked.Increment(ref seen) == 3) three.TrySetResult();
                return r;
            })
            .ToMaterialized(Sink.Seq<FileResult>(), Keep.Both)
            .Run(Mat);
        await three.Task.WaitAsync(TimeSpan.FromSeconds(30));
        killSwitch.Shutdown();

        var done = await results.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(done, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(done.Select(r => r.ObjectName).Order(StringComparer.Ordinal), _swift.Names(C));
        Assert.InRange(produced - done.Count, 0, 24);
    }

    [Fact]
    public async Task An_outage_pauses_the_flow_which_probes_until_the_endpoint_answers_and_then_stores_everything()
    {
        // No skip mode: no listing to preload, so the outage meets the uploads themselves.
        var client = Client(Settings(transfers: 2) with { Skip = SkipMode.None });
        // Prepared while the endpoint is up: the container exists.
        Assert.IsType<FileUploaded>(await Source.Single(Item(-1)).Via(ObjectStoreStreams.Upload(client, C)).RunWith(Sink.First<FileResult>(), Mat));
        var probing = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probesAtStart = _swift.Probes;
        _swift.Down = true;
        // The third probe of the outage: the uploads tried by then are all that were let through.
        _swift.OnProbe = n =>
        {
            if (n == probesAtStart + 3) probing.TrySetResult(_swift.PutAttempts);
        };

        var results = Source.From(Enumerable.Range(0, 20).Select(i => Item(i))).Via(ObjectStoreStreams.Upload(client, C)).RunWith(Sink.Seq<FileResult>(), Mat);
        var putsWhileDown = await probing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _swift.Down = false;

        var done = await results.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(done, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(20, done.Count);
        // Paused: by the third unanswered probe only the first wave (the flow's width, 2 transfers x 2) was tried,
        // besides the one PUT before the outage.
        Assert.InRange(putsWhileDown, 2, 1 + 2 * 2);
    }

    [Fact]
    public async Task The_delete_flow_sends_bulk_requests_and_deletes_a_large_object_with_its_segments()
    {
        var client = Client(Settings() with { BulkDeleteMaxPerRequest = 10 });
        var big = new byte[(64 << 10) * 2 + 1];
        var items = Enumerable.Range(0, 25).Select(i => Item(i)).Append(UploadItem.FromBytes("big", big));
        Assert.All(await Source.From(items).Via(ObjectStoreStreams.Upload(client, C)).RunWith(Sink.Seq<FileResult>(), Mat), r => Assert.IsType<FileUploaded>(r));
        Assert.True(_swift.IsManifest(C, "big"));
        Assert.Equal(3, _swift.Names(C + "_segments").Count);

        var deleted = await ObjectStoreStreams.Listing(client, C).Via(ObjectStoreStreams.Delete(client, C)).RunWith(Sink.Seq<FileResult>(), Mat);

        Assert.Equal(26, deleted.Count);
        Assert.All(deleted, r => Assert.IsType<FileDeleted>(r));
        Assert.Empty(_swift.Names(C));
        Assert.Empty(_swift.Names(C + "_segments"));
        Assert.InRange(_swift.BulkRequests, 3, 26);
        Assert.DoesNotContain(_swift.Http.Requests, r => r.Method == HttpMethod.Delete && !r.Url.Query.Contains("multipart-manifest"));
    }
}
