using System.Collections.Concurrent;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Host;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Host;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>Containers filled by the real `swift upload` and rclone: their Dynamic Large Objects and directory markers.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ForeignToolsIntegrationTests : TestKit, IDisposable
{
    private const long Size = 5 * (1L << 19) + 123;   // three segments of 1 MiB, the last one short
    private readonly TempDirectories _dirs = new();

    void IDisposable.Dispose() => _dirs.Dispose();

    private static void Succeeded((int ExitCode, string StdOut, string StdErr) run, string what) =>
        Assert.True(run.ExitCode == 0, $"{what} failed ({run.ExitCode}): {run.StdErr}{run.StdOut}");

    /// <summary>Stores <paramref name="path"/> as object <c>big.bin</c> with 1 MiB segments, as a Dynamic Large Object.</summary>
    private async Task WriteWithAsync(string tool, string container, string path)
    {
        if (tool == "swift")
        {
            Succeeded(await DevCloud.RunAsync("swift", ["upload", "--segment-size", "1048576", "--object-name", "big.bin", container, path],
                DevCloud.DemoOsEnvironment()), "swift upload");
            return;
        }
        var config = Path.Combine(_dirs.New("rclone-"), "rclone.conf");
        await File.WriteAllTextAsync(config, "");
        Succeeded(await DevCloud.RunAsync("rclone", ["copy", "--swift-chunk-size", "1M", path, "dc:" + container], DevCloud.DemoRcloneEnvironment(config)),
            "rclone copy");
    }

    private async Task<(TransferSummary Summary, List<FileResult> Results)> UploadAsync(ObjectStoreClient client, string root, string container, SkipMode skip)
    {
        var results = new ConcurrentQueue<FileResult>();
        var summary = await new BatchUploader(client, Sys).UploadAsync(new UploadJob(root, container) { Settings = SmallSegments(skip) }, results.Enqueue);
        Assert.True(summary.Failed == 0, string.Join("; ", summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
        return (summary, results.ToList());
    }

    private async Task<TransferSummary> DownloadAsync(ObjectStoreClient client, string container, string target)
    {
        var summary = await new BatchDownloader(client, Sys).DownloadAsync(new DownloadJob(container, target) { Settings = SmallSegments() });
        Assert.True(summary.Failed == 0, string.Join("; ", summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
        return summary;
    }

    private static async Task<List<string>> NamesAsync(ObjectStoreClient client, string container, string prefix)
    {
        var names = new List<string>();
        await foreach (var e in client.ListObjectsAsync(container, new ListOptions { Prefix = prefix })) names.Add(e.Name);
        return names;
    }

    [Theory]
    [InlineData("swift")]
    [InlineData("rclone")]
    public async Task A_dynamic_large_object_is_skipped_when_identical_downloaded_whole_listed_with_its_size_and_replaced_without_leftovers(string tool)
    {
        var client = Client(Sys);
        var container = NewContainer("dlo-" + tool);
        var root = _dirs.New("dlo-src-");
        var path = Path.Combine(root, "big.bin");
        WriteRandom(path, Size, 7);
        var mtime = new DateTime(2024, 2, 29, 23, 59, 58, DateTimeKind.Utc).AddTicks(1_234_567);
        File.SetLastWriteTimeUtc(path, mtime);
        try
        {
            await WriteWithAsync(tool, container, path);
            var written = await client.HeadObjectAsync(container, "big.bin");
            Assert.NotNull(written?.DynamicManifest);
            Assert.Equal(Size, written.ContentLength);
            var (segmentContainer, segmentPrefix) = ObjectStoreClient.ParseDynamicManifest(written.DynamicManifest);
            Assert.Equal(3, (await NamesAsync(client, segmentContainer, segmentPrefix)).Count);

            // Our upload of the same file: skipped by MD5 and by size and mtime, and the DLO is not written again.
            foreach (var skip in new[] { SkipMode.Md5, SkipMode.Changed })
            {
                var (summary, results) = await UploadAsync(client, root, container, skip);
                Assert.True(summary is { Transferred: 0, Skipped: 1 }, $"--skip {skip}: {string.Join("; ", results.Select(r => $"{r.Status} {(r as FileSkipped)?.Reason}"))}");
                Assert.IsType<FileSkipped>(Assert.Single(results));
                var head = await client.HeadObjectAsync(container, "big.bin");
                Assert.Equal(written.DynamicManifest, head!.DynamicManifest);
                Assert.Equal(written.Headers["X-Timestamp"], head.Headers["X-Timestamp"]);
            }

            // Download: the content (checked against the segments' MD5s), then skipped as identical.
            var target = _dirs.New("dlo-out-");
            var down = await DownloadAsync(client, container, target);
            Assert.Equal(1, down.Transferred);
            Assert.Equal(Md5(path), Md5(Path.Combine(target, "big.bin")));
            // The time the other tool stored (microseconds for swift, nanoseconds for rclone) is the downloaded file's.
            var restored = File.GetLastWriteTimeUtc(Path.Combine(target, "big.bin"));
            Assert.True(Math.Abs((restored - mtime).Ticks) <= TimeSpan.TicksPerMicrosecond, $"the download's time is {restored:O}, the file's {mtime:O}");
            var again = await DownloadAsync(client, container, target);
            Assert.Equal((0L, 1L), (again.Transferred, again.Skipped));

            // list --long: the real size, and where the segments are.
            var list = await CliRunner.RunAsync(CliRunner.Environment(CloudsYaml), "--os-cloud", "devcloud-demo", "list", container, "--long");
            Assert.Equal(0, list.ExitCode);
            var line = Assert.Single(list.Out.Split('\n'), l => l.Contains("big.bin", StringComparison.Ordinal));
            Assert.StartsWith(Size.ToString(System.Globalization.CultureInfo.InvariantCulture), line.TrimStart());
            Assert.EndsWith("big.bin -> " + written.DynamicManifest, line.TrimEnd());

            // A changed file replaces the DLO, and the other tool's segments go with it.
            await using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                f.Position = Size / 2;
                f.WriteByte(0x5a);
                f.WriteByte(0xa5);
            }
            var (replaced, _) = await UploadAsync(client, root, container, SkipMode.Md5);
            Assert.Equal(1, replaced.Transferred);
            var now = await client.HeadObjectAsync(container, "big.bin");
            Assert.Null(now!.DynamicManifest);
            Assert.Empty(await NamesAsync(client, segmentContainer, segmentPrefix));
            var fresh = _dirs.New("dlo-out-");
            await DownloadAsync(client, container, fresh);
            Assert.Equal(Md5(path), Md5(Path.Combine(fresh, "big.bin")));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Theory]
    [InlineData(SkipMode.Md5)]
    [InlineData(SkipMode.Changed)]
    public async Task A_dynamic_large_object_replaced_by_a_single_object_loses_its_segments(SkipMode skip)
    {
        var client = Client(Sys);
        var container = NewContainer("dlo-small");
        var root = _dirs.New("dlo-src-");
        var path = Path.Combine(root, "big.bin");
        WriteRandom(path, Size, 8);
        try
        {
            await WriteWithAsync("swift", container, path);
            var written = await client.HeadObjectAsync(container, "big.bin");
            var (segmentContainer, segmentPrefix) = ObjectStoreClient.ParseDynamicManifest(written!.DynamicManifest!);
            WriteRandom(path, Size, 9);

            // The default segment size: the file goes as one object.
            var summary = await new BatchUploader(client, Sys).UploadAsync(new UploadJob(root, container)
            {
                Settings = ObjectStoreSettings.Default with { Skip = skip },
            });
            Assert.True(summary is { Transferred: 1, Failed: 0 }, string.Join("; ", summary.Failures.Select(f => f.Reason)));
            var now = await client.HeadObjectAsync(container, "big.bin");
            Assert.Null(now!.DynamicManifest);
            Assert.Equal(Md5(path), now.ETag);
            Assert.Empty(await NamesAsync(client, segmentContainer, segmentPrefix));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Directory_markers_of_swift_upload_and_slash_names_download_as_directories_and_survive_an_upload()
    {
        var client = Client(Sys);
        var container = NewContainer("markers");
        var tree = _dirs.New("markers-src-");
        Directory.CreateDirectory(Path.Combine(tree, "empty"));
        WriteRandom(Path.Combine(tree, "sub", "a.txt"), 300, 3);
        try
        {
            Succeeded(await DevCloud.RunAsync("swift", ["upload", "--object-name", "tree", container, tree], DevCloud.DemoOsEnvironment()), "swift upload");
            var marker = await client.HeadObjectAsync(container, "tree/empty");
            Assert.Equal("application/directory", marker!.ContentType);
            await client.PutObjectAsync(container, "s3dir/", Http.RequestBody.FromBytes(Array.Empty<byte>()));

            var target = _dirs.New("markers-out-");
            var down = await DownloadAsync(client, container, target);
            Assert.Equal(1, down.Transferred);
            Assert.True(Directory.Exists(Path.Combine(target, "tree", "empty")));
            Assert.True(Directory.Exists(Path.Combine(target, "s3dir")));
            Assert.Equal(Md5(Path.Combine(tree, "sub", "a.txt")), Md5(Path.Combine(target, "tree", "sub", "a.txt")));

            // Again, with the directories there: no failure, nothing fetched.
            var again = await DownloadAsync(client, container, target);
            Assert.Equal((0L, 3L), (again.Transferred, again.Skipped));

            // Our upload of what was downloaded leaves the markers as they are.
            var (up, _) = await UploadAsync(client, target, container, SkipMode.Md5);
            Assert.Equal(0, up.Transferred);
            Assert.Equal("application/directory", (await client.HeadObjectAsync(container, "tree/empty"))!.ContentType);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}
