using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary><c>sync</c>, <c>check</c> and <c>--dry-run</c> against the dev cloud, checked by listings before and after.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliSyncIntegrationTests : TestKit, IDisposable
{
    private readonly TempDirectories _dirs = new();

    void IDisposable.Dispose() => _dirs.Dispose();

    private static Task<CliRunner.Result> RunAsync(params string[] args) =>
        CliRunner.RunAsync(CliRunner.Environment(CloudsYaml), ["--os-cloud", "devcloud-demo", .. args]);

    private static async Task<CliRunner.Result> RunOkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Out}{r.Error}");
        return r;
    }

    /// <summary>Every object of the container with its ETag, so that "nothing changed" also covers contents.</summary>
    private static async Task<SortedDictionary<string, string?>> ListingAsync(ObjectStoreClient client, string container)
    {
        var listing = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var e in client.ListObjectsAsync(container)) listing[e.Name] = e.Hash;
        return listing;
    }

    /// <summary>a.txt, b.txt, sub/c.txt, big.bin (a large object at 1 MiB segments).</summary>
    private string Tree()
    {
        var root = _dirs.New("cli-sync-it-");
        WriteRandom(Path.Combine(root, "a.txt"), 100, 1);
        WriteRandom(Path.Combine(root, "b.txt"), 200, 2);
        WriteRandom(Path.Combine(root, "sub", "c.txt"), 300, 3);
        WriteRandom(Path.Combine(root, "big.bin"), (1L << 20) + 1000, 4);
        return root;
    }

    [Fact]
    public async Task Sync_uploads_changes_and_deletes_exactly_the_extras_under_its_prefix()
    {
        var root = Tree();
        var container = NewContainer("sync");
        var client = Client(Sys);
        try
        {
            await RunOkAsync("sync", root, container + "/backup", "--segment-size", "1MiB");
            // Objects of another prefix, and of a prefix that only starts like it, are not the sync's.
            await RunOkAsync("upload", root, container, "--prefix", "other");
            await RunOkAsync("upload", root, container, "--prefix", "backup-old");
            Assert.Equal(4, (await ListingAsync(client, container)).Keys.Count(k => k.StartsWith("backup/", StringComparison.Ordinal)));

            File.Delete(Path.Combine(root, "b.txt"));
            File.Delete(Path.Combine(root, "big.bin"));
            WriteRandom(Path.Combine(root, "a.txt"), 150, 5);
            WriteRandom(Path.Combine(root, "new.txt"), 50, 6);
            var r = await RunOkAsync("sync", root, container + "/backup", "--segment-size", "1MiB");

            Assert.Contains("Uploaded: 2  Skipped: 1  Failed: 0", r.Out);
            Assert.Contains("Deleted: 2  Not found: 0  Failed: 0", r.Out);
            var after = await ListingAsync(client, container);
            Assert.Equal(["backup/a.txt", "backup/new.txt", "backup/sub/c.txt"], after.Keys.Where(k => k.StartsWith("backup/", StringComparison.Ordinal)));
            Assert.Equal(4, after.Keys.Count(k => k.StartsWith("other/", StringComparison.Ordinal)));
            Assert.Equal(4, after.Keys.Count(k => k.StartsWith("backup-old/", StringComparison.Ordinal)));
            Assert.Equal(Md5(Path.Combine(root, "a.txt")), after["backup/a.txt"]);
            // The large object went with its segments (the other prefixes' uploads made none: they were below 1 GiB).
            Assert.Empty(await ListingAsync(client, SwiftNames.SegmentContainer(container)));

            var check = await RunOkAsync("check", root, container + "/backup");
            Assert.Contains("Same: 3  Differ: 0  Missing: 0  Extra: 0", check.Out);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Dry_runs_change_nothing_and_show_what_would_be_sent_and_deleted()
    {
        var root = Tree();
        var container = NewContainer("dry");
        var client = Client(Sys);
        try
        {
            var upload = await RunOkAsync("upload", root, container, "--dry-run");
            Assert.Contains("would upload: sub/c.txt (300 B)", upload.Out);
            Assert.Contains("Dry run: 4 would be sent", upload.Out);
            Assert.False(await client.ContainerExistsAsync(container), "a dry run created the container");

            await RunOkAsync("sync", root, container, "--segment-size", "1MiB");
            File.Delete(Path.Combine(root, "b.txt"));
            WriteRandom(Path.Combine(root, "a.txt"), 150, 7);
            var before = await ListingAsync(client, container);
            var segmentsBefore = await ListingAsync(client, SwiftNames.SegmentContainer(container));

            var sync = await RunOkAsync("sync", root, container, "--dry-run");
            Assert.Contains("would upload: a.txt (150 B)", sync.Out);
            Assert.Contains("would delete: b.txt", sync.Out);
            Assert.DoesNotContain("would upload: sub/c.txt", sync.Out);
            var delete = await RunOkAsync("delete", container, "--dry-run");
            Assert.Contains("would delete: big.bin", delete.Out);
            Assert.Contains("Dry run: 4 objects would be deleted, then the container", delete.Out);
            var download = _dirs.New("cli-sync-dl-");
            var fetch = await RunOkAsync("download", container, download, "--dry-run");
            Assert.Contains("would download: big.bin (1.00 MiB)", fetch.Out);

            Assert.Equal(before, await ListingAsync(client, container));
            Assert.Equal(segmentsBefore, await ListingAsync(client, SwiftNames.SegmentContainer(container)));
            Assert.Empty(Directory.EnumerateFileSystemEntries(download));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Check_finds_a_changed_a_missing_and_an_extra_object_and_max_delete_stops_a_sync()
    {
        var root = Tree();
        var container = NewContainer("check");
        var client = Client(Sys);
        try
        {
            await RunOkAsync("upload", root, container, "--segment-size", "1MiB");
            Assert.Contains("Same: 4", (await RunOkAsync("check", root, container)).Out);

            // Same size, other bytes: only the MD5 (segment by segment for big.bin) tells them apart.
            WriteRandom(Path.Combine(root, "big.bin"), (1L << 20) + 1000, 8);
            File.Move(Path.Combine(root, "b.txt"), Path.Combine(root, "b2.txt"));
            var check = await RunAsync("check", root, container);
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("differs: big.bin", check.Out);
            Assert.Contains("missing: b2.txt", check.Out);
            Assert.Contains("extra: b.txt", check.Out);
            Assert.Contains("Same: 2  Differ: 1  Missing: 1  Extra: 1", check.Out);
            // By size, the changed file looks the same.
            Assert.Contains("Same: 3  Differ: 0  Missing: 1  Extra: 1", (await RunAsync("check", root, container, "--size-only")).Out);

            var before = await ListingAsync(client, container);
            var limited = await RunAsync("sync", root, container, "--max-delete", "0", "--segment-size", "1MiB");
            Assert.Equal(1, limited.ExitCode);
            Assert.Contains("more than --max-delete 0; nothing was deleted", limited.Error);
            var after = await ListingAsync(client, container);
            Assert.True(after.ContainsKey("b.txt"), "--max-delete 0 let b.txt be deleted");
            Assert.True(after.ContainsKey("b2.txt") && !before.ContainsKey("b2.txt"), "the uploads still ran");
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}
