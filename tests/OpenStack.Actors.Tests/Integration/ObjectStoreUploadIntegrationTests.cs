using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;
using OpenStack.Actors.Http;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The batch upload (and download) pipeline against the real Swift of scripts/devcloud.sh.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObjectStoreUploadIntegrationTests() : ObjectStoreUploadSuite(new DevCloudSwift())
{
    // Only against the real Swift: python-swiftclient talks to the dev cloud over its own sockets.
    [Fact]
    public async Task The_swift_cli_sees_the_same_etags_and_downloads_the_same_tree()
    {
        var client = Client(Sys);
        var container = NewContainer("swiftcli");
        var (root, files) = Tree();
        try
        {
            Assert.True((await Upload(client, root, container, prefix: "backup")).Summary.Success);

            var stat = await DevCloud.RunAsync("swift", ["stat", container, "backup/dir one/a b.txt"], DevCloud.DemoOsEnvironment());
            Assert.True(stat.ExitCode == 0, stat.StdErr);
            var etag = stat.StdOut.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ETag:", StringComparison.Ordinal))["ETag:".Length..].Trim();
            Assert.Equal(Md5(Path.Combine(root, "dir one/a b.txt")), etag);

            var target = EmptyDir();
            var download = await DevCloud.RunAsync("swift", ["download", container, "-D", target, "--prefix", "backup/", "--remove-prefix"], DevCloud.DemoOsEnvironment());
            Assert.True(download.ExitCode == 0, download.StdErr);
            Assert.Equal(Hashes(root), Hashes(target));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}

/// <summary>The same tests against the TestKit's in-memory Swift, under the real session.</summary>
public sealed class ObjectStoreUploadInMemoryTests() : ObjectStoreUploadSuite(new InMemorySwift());

/// <summary>The batch upload (and download) pipeline against a Swift, large objects with 1 MiB segments.</summary>
public abstract class ObjectStoreUploadSuite(ISwiftUnderTest swift) : TestKit, IDisposable
{
    private readonly List<string> _dirs = new();

    protected ObjectStoreClient Client(Akka.Actor.ActorSystem system, ObjectStoreSettings? settings = null) => swift.Client(system, settings);

    void IDisposable.Dispose()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    protected (string Root, int Files) Tree()
    {
        var t = SampleTree();
        _dirs.Add(t.Root);
        return t;
    }

    protected string EmptyDir()
    {
        var d = Directory.CreateTempSubdirectory("os-out-").FullName;
        _dirs.Add(d);
        return d;
    }

    protected async Task<(TransferSummary Summary, List<FileResult> Results)> Upload(ObjectStoreClient client, string root, string container,
        ObjectStoreSettings? settings = null, string? prefix = null)
    {
        var results = new ConcurrentQueue<FileResult>();
        var summary = await new BatchUploader(client, Sys).UploadAsync(
            new UploadJob(root, container) { Prefix = prefix, Settings = settings ?? SmallSegments() }, results.Enqueue);
        return (summary, results.ToList());
    }

    [Fact]
    public async Task A_tree_of_small_and_large_files_round_trips_byte_identical_and_a_rerun_uploads_nothing()
    {
        var client = Client(Sys);
        var container = NewContainer("tree");
        var (root, files) = Tree();
        try
        {
            var (summary, results) = await Upload(client, root, container);

            Assert.True(summary.Success, string.Join("; ", summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
            Assert.Equal(files, summary.Transferred);
            Assert.Equal(files, results.Count);
            var large = results.OfType<FileUploaded>().Single(r => r.ObjectName == "large/three and a half.bin");
            Assert.Equal(4, large.Segments);
            Assert.Equal(2, results.OfType<FileUploaded>().Single(r => r.ObjectName == "large/just over.bin").Segments);

            // The large object is an SLO whose ETag is the MD5 of its 1 MiB segments' MD5s.
            var path = Path.Combine(root, "large/three and a half.bin");
            var head = await client.HeadObjectAsync(container, "large/three and a half.bin");
            Assert.True(head!.IsStaticLargeObject);
            Assert.Equal("application/octet-stream", head.ContentType);   // not the manifest's JSON
            var localSlo = Checksums.SloETag(await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Checksums.Md5OfFileAsync(path, i * (1L << 20), 1L << 20))));
            Assert.Equal(localSlo, head.ETag);
            var segments = new List<string>();
            await foreach (var e in client.ListObjectsAsync(SwiftNames.SegmentContainer(container))) segments.Add(e.Name);
            Assert.Equal(6, segments.Count);
            Assert.Contains($"large/three and a half.bin/{3 * (1 << 20) + (1 << 19)}/{1 << 20}/00000003", segments);

            // Download everything and compare hashes with the source tree.
            var target = EmptyDir();
            var down = await new BatchDownloader(client, Sys).DownloadAsync(new DownloadJob(container, target) { Settings = SmallSegments() });
            Assert.True(down.Success, string.Join("; ", down.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
            Assert.Equal(files, down.Transferred);
            Assert.Equal(Hashes(root), Hashes(target));

            // A second download keeps the identical files.
            var again = await new BatchDownloader(client, Sys).DownloadAsync(new DownloadJob(container, target) { Settings = SmallSegments() });
            Assert.Equal(files, again.Skipped);

            var (rerun, rerunResults) = await Upload(client, root, container);
            Assert.Equal(0, rerun.Transferred);
            Assert.Equal(files, rerun.Skipped);
            Assert.All(rerunResults, r => Assert.IsType<FileSkipped>(r));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_new_container_needs_no_HEAD_and_a_rerun_decides_plain_objects_from_one_listing()
    {
        var client = Client(Sys);
        var container = NewContainer("listing");
        var (root, files) = Tree();
        using var heads = new RequestCounter("HEAD", "/" + container + "/");
        try
        {
            var (first, _) = await Upload(client, root, container);
            Assert.True(first.Success, string.Join("; ", first.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
            Assert.Equal(0, heads.Count);

            // Plain objects of the same size and MD5 are skipped from the listing; the empty file (it could be a DLO
            // manifest) and the two SLOs are still asked about.
            var (rerun, _) = await Upload(client, root, container);
            Assert.Equal(files, rerun.Skipped);
            Assert.Equal(3, heads.Count);

            var (withoutListing, _) = await Upload(client, root, container, SmallSegments() with { PreloadListingLimit = 0 });
            Assert.Equal(files, withoutListing.Skipped);
            Assert.Equal(3 + files, heads.Count);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Files_and_segments_hashed_while_sent_are_stored_with_their_MD5_and_a_rerun_skips_them()
    {
        var client = Client(Sys);
        var container = NewContainer("streamhash");
        var (root, files) = Tree();
        var streamed = SmallSegments() with { HashWhileSendingFrom = 1 };   // everything but the empty file
        try
        {
            var (first, results) = await Upload(client, root, container, streamed);
            Assert.True(first.Success, string.Join("; ", first.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
            Assert.Equal(files, first.Transferred);
            foreach (var r in results.OfType<FileUploaded>().Where(r => r.Segments == 0))
                Assert.Equal(Md5(r.Path), r.ETag);
            var head = await client.HeadObjectAsync(container, "large/three and a half.bin");
            var path = Path.Combine(root, "large/three and a half.bin");
            Assert.Equal(Checksums.SloETag(await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Checksums.Md5OfFileAsync(path, i * (1L << 20), Math.Min(1L << 20, new FileInfo(path).Length - i * (1L << 20)))))),
                head!.ETag);

            var (rerun, _) = await Upload(client, root, container, streamed);
            Assert.Equal(files, rerun.Skipped);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_rerun_into_a_container_listed_per_directory_decides_as_one_listing_does_with_a_listing_per_directory()
    {
        var client = Client(Sys);
        var container = NewContainer("perdir");
        var (root, files) = Tree();
        using var heads = new RequestCounter("HEAD", "/" + container + "/");
        // The first page of each directory's listing (a listing by prefix ends with an empty page, asked for with a marker).
        using var listings = new RequestCounter("GET", url => url.Contains("/" + container + "?", StringComparison.Ordinal)
            && url.Contains("delimiter=", StringComparison.Ordinal) && !url.Contains("marker=", StringComparison.Ordinal));
        var perDirectory = SmallSegments() with { ListPerDirectoryAbove = 0 };
        try
        {
            Assert.True((await Upload(client, root, container, perDirectory)).Summary.Success);
            Assert.Equal(0, heads.Count + listings.Count);   // a new container: nothing to look up

            var (rerun, _) = await Upload(client, root, container, perDirectory);
            Assert.Equal(files, rerun.Skipped);
            Assert.Equal(3, heads.Count);   // as from one listing: the empty file and the two SLOs
            // "", "dir one/", "dir one/deeper/", "été/", "x/", "x/y/", "x/y/z/", "large/": each listed once.
            Assert.Equal(8, listings.Count);

            // A new file needs no HEAD, a changed plain one is decided by its directory's listing.
            File.WriteAllText(Path.Combine(root, "dir one/new.txt"), "new");
            var changed = Path.Combine(root, "x/#hash.txt");
            WriteRandom(changed, new FileInfo(changed).Length, 4242);
            var (third, results) = await Upload(client, root, container, perDirectory);
            Assert.Equal(2, third.Transferred);
            Assert.Equal(files - 1, third.Skipped);
            Assert.Equal(["dir one/new.txt", "x/#hash.txt"], results.OfType<FileUploaded>().Select(r => r.ObjectName).Order(StringComparer.Ordinal));
            Assert.Equal(6, heads.Count);
            Assert.Equal(16, listings.Count);
            Assert.Equal(Md5(changed), (await client.HeadObjectAsync(container, "x/#hash.txt"))!.ETag);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    /// <summary>Counts the session's requests of one method whose URL contains a string (from its telemetry).</summary>
    private sealed class RequestCounter : IDisposable
    {
        private readonly ActivityListener _listener;
        private int _count;

        public RequestCounter(string method, string urlPart)
            : this(method, url => url.Contains(urlPart, StringComparison.Ordinal))
        {
        }

        public RequestCounter(string method, Func<string, bool> url)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "OpenStack.Actors",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = a =>
                {
                    if (a.GetTagItem("http.request.method") as string == method && a.GetTagItem("url.full") is string full && url(full))
                        Interlocked.Increment(ref _count);
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_file_changed_on_disk_is_uploaded_again_and_unchanged_segments_are_not()
    {
        var client = Client(Sys);
        var container = NewContainer("changed");
        var (root, files) = Tree();
        try
        {
            Assert.True((await Upload(client, root, container)).Summary.Success);

            // Same sizes, other bytes: only content comparison can notice. In the large file only segment 2 changes.
            WriteRandom(Path.Combine(root, "top.txt"), new FileInfo(Path.Combine(root, "top.txt")).Length, 999);
            var large = Path.Combine(root, "large/three and a half.bin");
            await using (var f = new FileStream(large, FileMode.Open, FileAccess.Write))
            {
                f.Position = 2 * (1L << 20) + 10;
                f.Write("changed!"u8);
            }

            var (summary, results) = await Upload(client, root, container);

            Assert.Equal(2, summary.Transferred);
            Assert.Equal(files - 2, summary.Skipped);
            var big = results.OfType<FileUploaded>().Single(r => r.ObjectName == "large/three and a half.bin");
            Assert.Equal(3, big.SegmentsReused);
            Assert.Null(big.Warning);
            await using var download = await client.GetObjectAsync(container, "top.txt");
            var copy = new MemoryStream();
            await download.Content.CopyToAsync(copy);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(root, "top.txt")), copy.ToArray());
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_large_file_that_changes_size_replaces_its_segments_and_the_old_ones_are_deleted()
    {
        var client = Client(Sys);
        var container = NewContainer("resize");
        var root = EmptyDir();
        var path = Path.Combine(root, "big.bin");
        WriteRandom(path, 3 * (1L << 20), 1);
        try
        {
            Assert.True((await Upload(client, root, container)).Summary.Success);
            WriteRandom(path, 2 * (1L << 20) + 7, 2);

            var (summary, results) = await Upload(client, root, container);

            Assert.Equal(1, summary.Transferred);
            Assert.Null(((FileUploaded)results.Single()).Warning);
            var segments = new List<string>();
            await foreach (var e in client.ListObjectsAsync(SwiftNames.SegmentContainer(container))) segments.Add(e.Name);
            Assert.Equal([$"big.bin/{2 * (1 << 20) + 7}/{1 << 20}/00000000", $"big.bin/{2 * (1 << 20) + 7}/{1 << 20}/00000001", $"big.bin/{2 * (1 << 20) + 7}/{1 << 20}/00000002"], segments);
            var target = EmptyDir();
            await client.DownloadToFileAsync(container, "big.bin", Path.Combine(target, "big.bin"));
            Assert.Equal(Md5(path), Md5(Path.Combine(target, "big.bin")));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Segments_left_by_an_interrupted_upload_are_reused_by_the_rerun()
    {
        var client = Client(Sys);
        var container = NewContainer("resume");
        var root = EmptyDir();
        var path = Path.Combine(root, "big.bin");
        const long size = 4 * (1L << 20) + 100;
        WriteRandom(path, size, 3);
        try
        {
            // What an interrupted run leaves: two segments stored, no manifest.
            var segContainer = SwiftNames.SegmentContainer(container);
            await client.CreateContainerAsync(segContainer);
            for (var i = 0; i < 2; i++)
            {
                var offset = i * (1L << 20);
                await client.PutObjectAsync(segContainer, $"big.bin/{size}/{1 << 20}/{i:D8}",
                    RequestBody.FromStreamFactory(() => FileSegmentStream.Open(path, offset, 1L << 20), 1L << 20));
            }

            var (summary, results) = await Upload(client, root, container);

            var uploaded = Assert.IsType<FileUploaded>(results.Single());
            Assert.Equal(5, uploaded.Segments);
            Assert.Equal(2, uploaded.SegmentsReused);
            Assert.True(summary.Success);
            // Only what was sent counts as uploaded: the reused segments are skipped bytes.
            Assert.Equal(2L << 20, uploaded.BytesReused);
            Assert.Equal(size - (2L << 20), summary.TransferredBytes);
            Assert.Equal(2L << 20, summary.SkippedBytes);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task An_object_changed_in_swift_is_detected_and_uploaded_again()
    {
        var client = Client(Sys);
        var container = NewContainer("remote");
        var (root, files) = Tree();
        try
        {
            Assert.True((await Upload(client, root, container)).Summary.Success);
            var name = "dir one/a b.txt";
            var local = await File.ReadAllBytesAsync(Path.Combine(root, name));
            var tampered = local.ToArray();
            tampered[0] ^= 0xFF;   // same size: only the MD5 tells
            await client.PutObjectAsync(container, name, RequestBody.FromBytes(tampered));

            var (summary, results) = await Upload(client, root, container);

            Assert.Equal(1, summary.Transferred);
            Assert.Equal(name, results.OfType<FileUploaded>().Single().ObjectName);
            Assert.Equal(Md5(Path.Combine(root, name)), (await client.HeadObjectAsync(container, name))!.ETag);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Skip_mode_changed_compares_size_and_mtime_and_none_uploads_everything()
    {
        var client = Client(Sys);
        var container = NewContainer("modes");
        var (root, files) = Tree();
        try
        {
            Assert.True((await Upload(client, root, container, SmallSegments(SkipMode.Changed))).Summary.Success);
            File.SetLastWriteTimeUtc(Path.Combine(root, "top.txt"), DateTime.UtcNow.AddDays(-3));

            var (changed, results) = await Upload(client, root, container, SmallSegments(SkipMode.Changed));
            Assert.Equal(1, changed.Transferred);
            Assert.Equal("top.txt", results.OfType<FileUploaded>().Single().ObjectName);

            var (forced, _) = await Upload(client, root, container, SmallSegments(SkipMode.None));
            Assert.Equal(files, forced.Transferred);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Unreadable_entries_are_reported_and_the_rest_still_upload()
    {
        var client = Client(Sys);
        var container = NewContainer("unreadable");
        var (root, files) = Tree();
        File.CreateSymbolicLink(Path.Combine(root, "dir one/dangling.txt"), "/nonexistent/file");
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(root, "pipe")])) await mkfifo.WaitForExitAsync();
        try
        {
            var (summary, results) = await Upload(client, root, container);

            Assert.False(summary.Success);
            Assert.Equal(2, summary.Failed);
            Assert.Equal(files, summary.Transferred);
            var reasons = summary.Failures.ToDictionary(f => f.ObjectName!, f => f.Reason);
            Assert.Contains("dangling symbolic link", reasons["dir one/dangling.txt"]);
            Assert.Contains("not a regular file", reasons["pipe"]);
            Assert.Null(await client.HeadObjectAsync(container, "pipe"));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task A_container_name_swift_rejects_stops_the_upload_with_a_clear_error_before_any_file()
    {
        var client = Client(Sys);
        var (root, _) = Tree();
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => new BatchUploader(client, Sys).UploadAsync(new UploadJob(root, new string('c', 257))));
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("Container name length", e.Message);
    }

    [Fact]
    public async Task A_stopped_upload_reports_what_was_done_and_a_rerun_completes_it()
    {
        var client = Client(Sys);
        var container = NewContainer("stop");
        var root = EmptyDir();
        for (var i = 0; i < 60; i++) WriteRandom(Path.Combine(root, $"d{i % 10}", $"f{i}"), 200, i);
        try
        {
            var uploader = new BatchUploader(client, Sys);
            var firstResult = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = await uploader.StartAsync(new UploadJob(root, container) { Settings = SmallSegments() with { Transfers = 2 } }, _ => firstResult.TrySetResult());
            await firstResult.Task;
            run.Stop();
            var first = await run.Completion;

            Assert.True(first.Interrupted);
            Assert.False(first.Success);
            Assert.InRange(first.Transferred, 1, 59);
            Assert.Equal(0, first.Failed);   // files in flight finished, none was cut off

            var (rest, _) = await Upload(client, root, container);
            Assert.Equal(60, rest.Transferred + rest.Skipped);
            Assert.Equal(first.Transferred, rest.Skipped);
            Assert.True(rest.Success);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}
