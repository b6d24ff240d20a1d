using Akka.TestKit.Xunit2;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary>The filter options of upload, download and delete against the dev cloud: exactly the selected files move.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliFilterIntegrationTests : TestKit, IDisposable
{
    private static readonly string[] All =
    [
        "a.jpg", "b.png", "notes.txt", "empty.txt", "old.log", "big.bin", "photos/c.jpg", "photos/raw/d.jpg", "cache/e.jpg",
        "x/cache/f.jpg", "dir one/g h.txt",
    ];

    private readonly TempDirectories _dirs = new();

    private static string[] Cli(params string[] args) => ["--os-cloud", "devcloud-demo", .. args];

    void IDisposable.Dispose() => _dirs.Dispose();

    private string TempDir() => _dirs.New("cli-filter-it-");

    /// <summary>The tree of <see cref="All"/>: big.bin is above the 1 MiB segment size, old.log two years old, empty.txt empty.</summary>
    private string Tree()
    {
        var root = TempDir();
        var seed = 1;
        foreach (var name in All)
        {
            var bytes = name switch { "big.bin" => (1L << 20) + (1L << 19), "empty.txt" => 0, _ => 100 + seed * 10 };
            WriteRandom(Path.Combine(root, name), bytes, seed++);
        }
        File.SetLastWriteTimeUtc(Path.Combine(root, "old.log"), DateTime.UtcNow.AddYears(-2));
        return root;
    }

    private static async Task<string[]> NamesAsync(ObjectStoreClient client, string container, string prefix = "")
    {
        var names = new List<string>();
        await foreach (var e in client.ListObjectsAsync(container, new ListOptions { Prefix = prefix })) names.Add(e.Name[prefix.Length..]);
        return names.Order(StringComparer.Ordinal).ToArray();
    }

    private static string[] Sorted(params string[] names) => names.Order(StringComparer.Ordinal).ToArray();

    private static string[] Files(string root) => Hashes(root).Keys.ToArray();

    private static async Task<CliRunner.Result> RunAsync(params string[] args)
    {
        var r = await CliRunner.RunAsync(CliRunner.Environment(CloudsYaml), Cli(args));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Out}{r.Error}");
        return r;
    }

    [Fact]
    public async Task Upload_sends_exactly_the_files_the_filters_select()
    {
        var root = Tree();
        var rules = Path.Combine(TempDir(), "rules.txt");
        await File.WriteAllTextAsync(rules, "# pictures, but not the caches\n- cache/\n+ *.{jpg,png}\n; and the notes at the top\n+ /notes.txt\n- *\n");
        var container = NewContainer("flt-up");
        var client = Client(Sys);
        try
        {
            var include = await RunAsync("upload", root, container, "--prefix", "inc", "--include", "*.jpg", "--include", "/notes.txt");
            Assert.Contains("Uploaded: 6  Skipped: 0  Failed: 0", include.Out);
            Assert.Equal(Sorted("a.jpg", "notes.txt", "photos/c.jpg", "photos/raw/d.jpg", "cache/e.jpg", "x/cache/f.jpg"), await NamesAsync(client, container, "inc/"));

            var exclude = await RunAsync("upload", root, container, "--prefix", "exc", "--exclude", "cache/", "--exclude", "/*.{bin,log}", "--segment-size", "1MiB");
            Assert.Equal(Sorted("a.jpg", "b.png", "notes.txt", "empty.txt", "photos/c.jpg", "photos/raw/d.jpg", "dir one/g h.txt"), await NamesAsync(client, container, "exc/"));
            Assert.Contains("Uploaded: 7  Skipped: 0  Failed: 0", exclude.Out);

            await RunAsync("upload", root, container, "--prefix", "ff", "--filter-from", rules);
            Assert.Equal(Sorted("a.jpg", "b.png", "notes.txt", "photos/c.jpg", "photos/raw/d.jpg"), await NamesAsync(client, container, "ff/"));

            await RunAsync("upload", root, container, "--prefix", "lim", "--min-size", "1", "--max-size", "1MiB", "--max-age", "1w", "--exclude", "/photos/**");
            Assert.Equal(Sorted("a.jpg", "b.png", "notes.txt", "cache/e.jpg", "x/cache/f.jpg", "dir one/g h.txt"), await NamesAsync(client, container, "lim/"));

            // rclone's order: every --include before every --exclude, with a warning that says so.
            var mixed = await RunAsync("upload", root, container, "--prefix", "mix", "--include", "*.jpg", "--exclude", "a.jpg");
            Assert.Contains("--include and --exclude together", mixed.Error);
            Assert.Contains("a.jpg", await NamesAsync(client, container, "mix/"));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Download_writes_exactly_the_objects_the_filters_select()
    {
        var root = Tree();
        var container = NewContainer("flt-down");
        var client = Client(Sys);
        try
        {
            await RunAsync("upload", root, container, "--segment-size", "1MiB");

            var pictures = TempDir();
            var r = await RunAsync("download", container, pictures, "--include", "*.{jpg,png}", "--exclude", "cache/**");
            Assert.Equal(Sorted("a.jpg", "b.png", "photos/c.jpg", "photos/raw/d.jpg", "cache/e.jpg", "x/cache/f.jpg"), Files(pictures));
            Assert.Contains("Downloaded: 6  Skipped: 0  Failed: 0", r.Out);
            Assert.Equal(Md5(Path.Combine(root, "photos/raw/d.jpg")), Md5(Path.Combine(pictures, "photos/raw/d.jpg")));

            // The name after the prefix is matched: "/*.jpg" is photos/c.jpg, not photos/raw/d.jpg.
            var underPrefix = TempDir();
            await RunAsync("download", container, underPrefix, "--prefix", "photos/", "--include", "/*.jpg");
            Assert.Equal(["photos/c.jpg"], Files(underPrefix));

            var rules = Path.Combine(TempDir(), "rules.txt");
            await File.WriteAllTextAsync(rules, "- /photos/\n+ **.txt\n- **\n");
            var text = TempDir();
            await RunAsync("download", container, text, "--filter-from", rules);
            Assert.Equal(Sorted("notes.txt", "empty.txt", "dir one/g h.txt"), Files(text));

            // The listing's sizes and times: the large object's size is its whole size; every object was stored just now.
            var large = TempDir();
            await RunAsync("download", container, large, "--min-size", "1MiB");
            Assert.Equal(["big.bin"], Files(large));
            Assert.Equal(Md5(Path.Combine(root, "big.bin")), Md5(Path.Combine(large, "big.bin")));
            var none = TempDir();
            var old = await RunAsync("download", container, none, "--min-age", "1d");
            Assert.Empty(Files(none));
            Assert.Contains("Downloaded: 0  Skipped: 0  Failed: 0", old.Out);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Delete_removes_exactly_the_objects_the_filters_select_and_keeps_the_container()
    {
        var root = Tree();
        var container = NewContainer("flt-del");
        var client = Client(Sys);
        try
        {
            await RunAsync("upload", root, container, "--segment-size", "1MiB");

            var jpg = await RunAsync("delete", container, "--include", "*.jpg");
            Assert.Contains("Deleted: 5  Not found: 0  Failed: 0", jpg.Out);
            Assert.DoesNotContain("Deleted container", jpg.Out);
            Assert.Equal(Sorted("b.png", "notes.txt", "empty.txt", "old.log", "big.bin", "dir one/g h.txt"), await NamesAsync(client, container));

            var rules = Path.Combine(TempDir(), "rules.txt");
            await File.WriteAllTextAsync(rules, "+ *.bin\n+ /dir one/**\n- *\n");
            var large = await RunAsync("delete", container, "--filter-from", rules);
            Assert.Contains("Deleted: 2  Not found: 0  Failed: 0", large.Out);
            Assert.Equal(Sorted("b.png", "notes.txt", "empty.txt", "old.log"), await NamesAsync(client, container));
            Assert.Empty(await NamesAsync(client, SwiftNames.SegmentContainer(container)));   // the large object went with its segments

            var small = await RunAsync("delete", container, "--max-size", "0");
            Assert.Contains("Deleted: 1  Not found: 0  Failed: 0", small.Out);
            Assert.Equal(Sorted("b.png", "notes.txt", "old.log"), await NamesAsync(client, container));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }
}
