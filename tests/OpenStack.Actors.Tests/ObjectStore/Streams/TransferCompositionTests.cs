using System.Collections.Concurrent;
using System.Net;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore.Streams;

/// <summary>
/// A run composed from the public stages only, as an embedder writes it (a walk, a kill switch, the upload flow with
/// <see cref="TransferOptions"/>, a sink into a <see cref="TransferTally"/>), against the batch uploader over the same
/// scripted in-memory Swift: the same results, the same PUTs, the final passes after all others, the outage budget
/// surfaced through the <see cref="EndpointWatch"/>, dry runs and stops.
/// </summary>
public sealed class TransferCompositionTests : TestKit, IDisposable
{
    private const string C = "c";
    private const int Files = 30;
    private readonly List<string> _dirs = new();

    void IDisposable.Dispose()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    private ObjectStoreClient Client(MiniSwift swift) => swift.Client(Sys);

    private static ObjectStoreSettings Settings() => ObjectStoreSettings.Default with
    {
        Transfers = 2,
        Retries = 3,
        ProbeMinBackoff = TimeSpan.FromMilliseconds(10),
        ProbeMaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    private string Tree()
    {
        var root = Directory.CreateTempSubdirectory("composition-").FullName;
        _dirs.Add(root);
        for (var i = 0; i < Files; i++) File.WriteAllText(Path.Combine(root, $"f{i:D2}.txt"), $"file {i}");
        return root;
    }

    /// <summary>The CLI's upload from public pieces: what <see cref="BatchUploader"/> runs.</summary>
    private async Task<(TransferSummary Summary, List<FileResult> Results, EndpointWatch Watch)> ComposedAsync(ObjectStoreClient client, string root,
        ObjectStoreSettings settings, bool dryRun = false, CancellationTokenSource? stop = null, SharedKillSwitch? killSwitch = null)
    {
        var tally = new TransferTally(settings.MaxFailuresInSummary);
        var watch = new EndpointWatch();
        var results = new List<FileResult>();
        killSwitch ??= KillSwitches.Shared("upload");
        var options = new TransferOptions
        {
            Settings = settings, Progress = tally.Progress, Watch = watch, FinalPass = true, DryRun = dryRun, Stopped = stop?.Token ?? default,
        };
        await ObjectStoreStreams.LocalDirectory(root)
            .Select(e =>
            {
                tally.Found();
                return e;
            })
            .Via(killSwitch.Flow<LocalEntry>())
            .Via(ObjectStoreStreams.UploadFiles(client, C, options))
            .RunWith(Sink.ForEach<FileResult>(r =>
            {
                tally.Record(r);
                results.Add(r);
            }), Sys.Materializer());
        return (tally.Summary(stop?.IsCancellationRequested == true, watch), results, watch);
    }

    /// <summary>f01 is refused once, f02 always: the PUTs of each file, in arrival order.</summary>
    private static ConcurrentQueue<string> Script(MiniSwift swift)
    {
        var puts = new ConcurrentQueue<string>();
        var f01 = 0;
        swift.BeforePut = (_, name, _) =>
        {
            puts.Enqueue(name);
            return name == "f02.txt" || (name == "f01.txt" && Interlocked.Increment(ref f01) == 1)
                ? throw new MiniSwift.Reply(HttpStatusCode.ServiceUnavailable)
                : Task.CompletedTask;
        };
        return puts;
    }

    private static string Shape(FileResult r) => r switch
    {
        FileFailed f => $"{r.ObjectName} failed: {f.Reason}",
        FileNotAttempted n => $"{r.ObjectName} not attempted: {n.Reason}",
        _ => $"{r.ObjectName} {r.GetType().Name}",
    };

    [Fact]
    public async Task The_composed_final_passes_send_what_the_batch_sends_and_retry_after_all_others()
    {
        var root = Tree();
        var composedSwift = new MiniSwift();
        var composedPuts = Script(composedSwift);
        var batchSwift = new MiniSwift();
        var batchPuts = Script(batchSwift);

        var (composed, results, _) = await ComposedAsync(Client(composedSwift), root, Settings());
        var batchResults = new ConcurrentQueue<FileResult>();
        var batch = await new BatchUploader(Client(batchSwift), Sys).UploadAsync(new UploadJob(root, C) { Settings = Settings() }, batchResults.Enqueue);

        Assert.Equal(Files, results.Count);
        Assert.Equal(batchResults.Select(Shape).Order(StringComparer.Ordinal), results.Select(Shape).Order(StringComparer.Ordinal));
        Assert.Equal((batch.Transferred, batch.Failed, batch.NotAttempted), (composed.Transferred, composed.Failed, composed.NotAttempted));
        Assert.Equal(Files - 1, composed.Transferred);
        Assert.Equal("f02.txt", Assert.Single(composed.Failures).ObjectName);
        foreach (var puts in new[] { composedPuts.ToList(), batchPuts.ToList() })
        {
            Assert.Equal(2, puts.Count(p => p == "f01.txt"));   // once in the first pass, once in the second
            Assert.Equal(1 + 3, puts.Count(p => p == "f02.txt"));   // the first pass and the 3 retries
            var lastOfOthers = puts.FindLastIndex(p => p is not ("f01.txt" or "f02.txt"));
            Assert.True(puts.IndexOf("f01.txt", puts.IndexOf("f01.txt") + 1) > lastOfOthers, "the retry came before other files were done");
        }
        Assert.Equal(Enumerable.Range(0, Files).Where(i => i != 2).Select(i => $"f{i:D2}.txt"), composedSwift.Names(C));
    }

    [Fact]
    public async Task The_outage_budget_running_out_is_surfaced_by_the_watch_and_the_files_not_tried_are_named_with_the_reason()
    {
        var root = Tree();
        var settings = Settings() with { OutageBudget = TimeSpan.FromMilliseconds(300) };
        var composedSwift = new MiniSwift();
        var batchSwift = new MiniSwift();
        // Down from the first PUT on: the container is created, then nothing answers.
        composedSwift.BeforePut = batchSwift.BeforePut = (_, _, _) => throw new MiniSwift.Reply(HttpStatusCode.ServiceUnavailable);
        composedSwift.OnProbe = _ => composedSwift.Down = true;
        batchSwift.OnProbe = _ => batchSwift.Down = true;

        var (composed, results, watch) = await ComposedAsync(Client(composedSwift), root, settings);
        var batch = await new BatchUploader(Client(batchSwift), Sys).UploadAsync(new UploadJob(root, C) { Settings = settings });

        Assert.Equal(Files, results.Count);
        Assert.True(watch.BudgetExceeded.IsCompletedSuccessfully);
        Assert.Equal(await watch.BudgetExceeded, composed.OutageBudgetExceeded);
        Assert.NotNull(batch.OutageBudgetExceeded);
        Assert.Equal(EndpointHealth.GaveUp, watch.Endpoint.Health);
        Assert.NotEmpty(watch.Outages);
        Assert.Equal(watch.Outages.Count, composed.Outages.Count);
        Assert.True(composed.NotAttempted > 0);
        Assert.Equal(Files, composed.Failed + composed.NotAttempted);
        Assert.Equal(Files, batch.Failed + batch.NotAttempted);
        Assert.All(results.OfType<FileNotAttempted>(), n =>
        {
            Assert.StartsWith("not attempted: ", n.Reason);
            Assert.EndsWith(composed.OutageBudgetExceeded!, n.Reason);
            Assert.Equal(Path.Combine(root, n.ObjectName!), n.Path);
        });
        Assert.All(results.OfType<FileFailed>(), f => Assert.Contains("; not tried again: ", f.Reason));
    }

    [Fact]
    public async Task A_composed_dry_run_plans_every_file_and_writes_nothing()
    {
        var root = Tree();
        var swift = new MiniSwift();

        var (summary, results, _) = await ComposedAsync(Client(swift), root, Settings(), dryRun: true);

        Assert.Equal(Files, summary.Planned);
        Assert.All(results, r => Assert.Equal(TransferAction.Upload, Assert.IsType<FilePlanned>(r).Action));
        Assert.Equal(0, swift.PutAttempts);
        Assert.DoesNotContain(swift.Http.Requests, r => r.Method == HttpMethod.Put);
    }

    [Fact]
    public async Task A_download_dry_run_plans_and_creates_no_directory_and_the_flow_feeds_the_given_progress()
    {
        var swift = new MiniSwift();
        var client = Client(swift);
        var progress = new TransferProgress();
        var stored = await Source.From(Enumerable.Range(0, 5).Select(i => UploadItem.FromBytes($"d/o{i}", new byte[100])))
            .Via(ObjectStoreStreams.Upload(client, C, new TransferOptions { Settings = Settings(), Progress = progress }))
            .RunWith(Sink.Seq<FileResult>(), Sys.Materializer());
        Assert.All(stored, r => Assert.IsType<FileUploaded>(r));
        Assert.Equal(500, progress.Snapshot().BytesSent);
        var target = Path.Combine(Path.GetTempPath(), "composition-" + Guid.NewGuid().ToString("N"));
        _dirs.Add(target);

        var planned = await ObjectStoreStreams.Listing(client, C)
            .Via(ObjectStoreStreams.Download(client, C, target, new TransferOptions { Settings = Settings(), DryRun = true, FinalPass = true }))
            .RunWith(Sink.Seq<FileResult>(), Sys.Materializer());

        Assert.Equal(5, planned.Count);
        Assert.All(planned, r => Assert.Equal(TransferAction.Download, Assert.IsType<FilePlanned>(r).Action));
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task After_a_stop_the_files_waiting_for_a_final_pass_end_with_their_last_failure_which_says_so()
    {
        var root = Tree();
        var swift = new MiniSwift();
        var killSwitch = KillSwitches.Shared("upload");
        using var stop = new CancellationTokenSource();
        var f02 = 0;
        swift.BeforePut = (_, name, _) =>
        {
            if (name != "f02.txt") return Task.CompletedTask;
            Interlocked.Increment(ref f02);
            // The graceful stop, as TransferRun.Stop does it: no more files, and no more passes.
            stop.Cancel();
            killSwitch.Shutdown();
            throw new MiniSwift.Reply(HttpStatusCode.ServiceUnavailable);
        };

        var (summary, results, _) = await ComposedAsync(Client(swift), root, Settings(), stop: stop, killSwitch: killSwitch);

        Assert.True(summary.Interrupted);
        var failed = Assert.Single(results.OfType<FileFailed>());
        Assert.Equal("f02.txt", failed.ObjectName);
        Assert.EndsWith("; not tried again: the run was stopped", failed.Reason);
        Assert.Equal(1, f02);
        Assert.All(results.Where(r => r != failed), r => Assert.IsType<FileUploaded>(r));
    }

    [Fact]
    public async Task A_listing_page_that_fails_in_a_run_pauses_it_through_the_watch_and_is_asked_again_instead_of_failing_the_stream()
    {
        var swift = new MiniSwift();
        var client = Client(swift);
        Assert.All(await Source.From(Enumerable.Range(0, 5).Select(i => UploadItem.FromBytes($"o{i}", new byte[10])))
            .Via(ObjectStoreStreams.Upload(client, C, Settings())).RunWith(Sink.Seq<FileResult>(), Sys.Materializer()), r => Assert.IsType<FileUploaded>(r));
        var page = new ListOptions { PageSize = 2 };

        swift.FailListings = 1;
        await Assert.ThrowsAsync<HttpErrorException>(() => ObjectStoreStreams.Listing(client, C, page).RunWith(Sink.Seq<ObjectEntry>(), Sys.Materializer()));

        swift.FailListings = 2;
        var watch = new EndpointWatch();
        var run = new TransferOptions { Settings = Settings(), Watch = watch, FinalPass = true };
        var listed = await ObjectStoreStreams.Listing(client, C, page, null, run).RunWith(Sink.Seq<ObjectEntry>(), Sys.Materializer());

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"o{i}"), listed.Select(e => e.Name));
        Assert.True(swift.FailListings < 0);   // both refusals were met, and the pages asked again
        Assert.Equal(EndpointHealth.Up, watch.Endpoint.Health);
        Assert.True(swift.Probes > 0);
    }

    private static int Count(MiniSwift swift, HttpMethod method, Func<string, bool> path) =>
        swift.Http.Requests.Count(r => r.Method == method && path(Uri.UnescapeDataString(r.Url.AbsolutePath)));

    [Fact]
    public async Task A_prepared_upload_run_by_Run_is_the_batch_one_info_one_container_put_and_a_rerun_skips_every_file_from_one_listing()
    {
        var root = Tree();
        var swift = new MiniSwift();
        var client = Client(swift);
        var job = new UploadJob(root, C) { Settings = Settings(), Prefix = "p/" };

        var prepared = await ObjectStoreStreams.PrepareUploadAsync(client, job);
        var first = await ObjectStoreStreams.Run(_ => prepared.Files, prepared.Upload, prepared.Options, Sys.Materializer(), what: "upload").Completion;

        Assert.True(prepared.ContainerCreated);
        Assert.Equal(Files, first.Transferred);
        Assert.Equal(1, Count(swift, HttpMethod.Get, p => p == "/info"));
        Assert.Equal(1, Count(swift, HttpMethod.Put, p => p == MiniSwiftContainer));
        Assert.Equal(Enumerable.Range(0, Files).Select(i => $"p/f{i:D2}.txt"), swift.Names(C));

        swift.Http.Requests.Clear();
        var rerun = await new BatchUploader(client, Sys).UploadAsync(job with { Settings = Settings() with { Skip = SkipMode.Md5 } });

        Assert.Equal((0L, (long)Files), (rerun.Transferred, rerun.Skipped));
        Assert.Equal(0, Count(swift, HttpMethod.Head, p => p.StartsWith(MiniSwiftContainer + "/", StringComparison.Ordinal)));
        var pages = swift.Http.Requests.Where(r => r.Method == HttpMethod.Get && r.Url.AbsolutePath.EndsWith("/" + C, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pages);
        Assert.All(pages, page => Assert.Contains("prefix=p%2F", page.Url.Query, StringComparison.Ordinal));   // the job's prefix only
    }

    private const string MiniSwiftContainer = "/v1/AUTH_p/" + C;

    [Fact]
    public async Task A_composed_delete_retries_a_refused_bulk_request_after_the_others_and_named_objects_are_asked_about_one_by_one()
    {
        var swift = new MiniSwift();
        var client = Client(swift);
        var items = Enumerable.Range(0, 12).Select(i => UploadItem.FromBytes($"o{i:D2}", new byte[10])).ToList();
        Assert.All(await Source.From(items).Via(ObjectStoreStreams.Upload(client, C, Settings())).RunWith(Sink.Seq<FileResult>(), Sys.Materializer()),
            r => Assert.IsType<FileUploaded>(r));
        var settings = Settings() with { BulkDeleteMaxPerRequest = 5, BulkDeleteLinger = TimeSpan.FromMinutes(1) };   // groups leave full (or at the end)

        swift.FailBulks = 1;
        var results = new ConcurrentQueue<FileResult>();
        var listed = ObjectStoreStreams.Run(o => ObjectStoreStreams.Listing(client, C, new ListOptions { Prefix = "o0" }, null, o),
            o => ObjectStoreStreams.Delete(client, C, o), new TransferOptions { Settings = settings }, Sys.Materializer(), results.Enqueue, "delete");
        var summary = await listed.Completion;

        Assert.Equal(10, summary.Transferred);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"o{i:D2}"), results.Select(r => r.ObjectName!).Order(StringComparer.Ordinal));
        Assert.True(swift.FailBulks < 0);
        Assert.Equal(2 + 1, swift.BulkRequests);   // two of five names, the refused one again in the final pass

        var named = await new BatchDeleter(client, Sys).StartAsync(new DeleteJob(C) { Objects = ["o10", "o11", "missing"], Settings = settings });
        var first = await named.Completion;
        var byName = new ConcurrentQueue<FileResult>();
        await ObjectStoreStreams.Run(_ => Source.From(new[] { "o10", "o11", "missing" }.Select(ObjectEntry.Named)),
            o => ObjectStoreStreams.Delete(client, C, o), new TransferOptions { Settings = settings }, Sys.Materializer(), byName.Enqueue, "delete").Completion;

        Assert.Equal((2L, 1L), (first.Transferred, first.Skipped));
        Assert.Equal(2 + 1, swift.BulkRequests);   // named objects are not sent in bulk
        Assert.Equal(3, byName.Count(r => r is FileSkipped));   // the batch deleted them already
        Assert.Empty(swift.Names(C));
    }
}
