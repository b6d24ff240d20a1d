using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>The filter on the directory walk: which directories it skips, and that skipping never changes what is found.</summary>
public sealed class FilteredWalkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fwalk-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TransferFilter Filter(string[]? include = null, string[]? exclude = null, params string[] rules) => TransferFilter.Create(new TransferFilterOptions
    {
        Include = include ?? [],
        Exclude = exclude ?? [],
        Rules = rules.Select(FilterFile.ParseRule).ToArray(),
    });

    [Theory]
    [InlineData("a/node_modules", false)]
    [InlineData("node_modules", false)]
    [InlineData("node_modules/x", false)]
    [InlineData("node_modules_old", true)]
    [InlineData("src", true)]
    public void An_excluded_directory_is_skipped_at_any_depth(string directory, bool walked) =>
        Assert.Equal(walked, Filter(exclude: ["node_modules/"]).MayIncludeBelow(directory));

    [Theory]
    [InlineData("photos", true)]
    [InlineData("photos/2024/may", true)]
    [InlineData("docs", false)]
    [InlineData("photo", false)]
    [InlineData("x/photos", false)]
    public void A_rooted_include_skips_the_directories_it_cannot_reach(string directory, bool walked) =>
        Assert.Equal(walked, Filter(include: ["/photos/**"]).MayIncludeBelow(directory));

    [Fact]
    public void Rclones_directory_example_skips_dir1_and_dir2_only()
    {
        var filter = Filter(null, null, "- /dir1/", "- /dir2/", "+ *.pdf", "- **");
        Assert.False(filter.MayIncludeBelow("dir1"));
        Assert.False(filter.MayIncludeBelow("dir2/sub"));
        Assert.True(filter.MayIncludeBelow("dir3"));   // a *.pdf may be anywhere else
        Assert.True(filter.IncludesPath("dir3/x/a.pdf"));
    }

    [Fact]
    public void An_unrooted_include_can_match_below_any_directory_so_none_is_skipped()
    {
        // rclone's own local walk skips x/ here (it derives the directory rule "a/" from "a/*.jpg") and so misses
        // x/a/f.jpg, which the rule matches: here the rules on paths decide, and skipping never changes them.
        var filter = Filter(include: ["a/*.jpg"]);
        Assert.True(filter.MayIncludeBelow("x"));
        Assert.True(filter.IncludesPath("x/a/f.jpg"));
        Assert.True(Filter(include: ["*.jpg"]).MayIncludeBelow("any/where"));
    }

    [Fact]
    public void An_include_before_a_covering_exclude_keeps_its_directory()
    {
        var filter = Filter(null, null, "+ /a/keep/**", "- /a/**");
        Assert.True(filter.MayIncludeBelow("a"));
        Assert.True(filter.MayIncludeBelow("a/keep"));
        Assert.False(filter.MayIncludeBelow("a/other"));
    }

    // The safety property, over many rule lists: a directory the filter says to skip holds no path it would include.
    [Fact]
    public void A_skipped_directory_never_holds_an_included_path()
    {
        string[] segments = ["a", "b", "c", "ab", "x.jpg"];
        var dirs = new List<string>();
        void AddDirs(string parent, int depth)
        {
            if (depth == 0) return;
            foreach (var s in segments)
            {
                var d = parent.Length == 0 ? s : parent + "/" + s;
                dirs.Add(d);
                AddDirs(d, depth - 1);
            }
        }
        AddDirs("", 3);
        var files = dirs.Prepend("").SelectMany(d => new[] { "x.jpg", "b.txt", "c" }.Select(f => d.Length == 0 ? f : d + "/" + f)).ToArray();
        string[] pool =
        [
            "*.jpg", "/a/**", "a/", "/a/", "b/**", "/a/b/*.txt", "**/c/*", "/a*/**", "/{a,b}/x.jpg/**", "/a/{b,c/ab}/**", "*", "**",
            "/**", "/*", "a**", "/a**", "/a[^x]b/**", "c", "/a/b/", "/b/*/c/**", "?/**", "/?/**", "[ab]/**", "/[ab]/**", "/a/**/c",
            "/ab/b/**", "/{a,ab}/*/**", "/a/*", "**/b/", "/c**",
        ];
        var random = new Random(15);
        var skipped = 0;
        for (var run = 0; run < 300; run++)
        {
            var rules = Enumerable.Range(0, random.Next(1, 5))
                .Select(_ => (random.Next(2) == 0 ? "+ " : "- ") + pool[random.Next(pool.Length)]).ToArray();
            var include = random.Next(3) == 0 ? new[] { pool[random.Next(pool.Length)] } : [];
            var filter = Filter(include, null, rules);
            foreach (var d in dirs)
            {
                if (filter.MayIncludeBelow(d)) continue;
                skipped++;
                var wrong = files.Where(f => f.StartsWith(d + "/", StringComparison.Ordinal) && filter.IncludesPath(f)).ToArray();
                Assert.True(wrong.Length == 0, $"rules [{string.Join(", ", filter.Rules)}] skip {d}/ but include {string.Join(", ", wrong)}");
            }
        }
        Assert.True(skipped > 1000, $"only {skipped} directories skipped: the property was barely tried");
    }

    private void Write(string relative, int bytes = 3, DateTime? modified = null)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        if (modified is { } m) File.SetLastWriteTimeUtc(path, m);
    }

    [Fact]
    public void The_walk_finds_exactly_the_files_the_filter_includes_and_counts_only_those()
    {
        var old = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Write("a.jpg", 10);
        Write("big.jpg", 1000);
        Write("old.jpg", 10, old);
        Write("notes.txt", 10);
        Write("photos/b.jpg", 20);
        Write("photos/raw/c.jpg", 30);
        Write("cache/d.jpg", 40);
        Write("x/cache/e.jpg", 50);
        Write("x/f.png", 60);
        var filter = TransferFilter.Create(new TransferFilterOptions
        {
            Rules = FilterFile.Parse("- cache/\n+ *.{jpg,png}\n- *", "rules"),
            MaxSize = 100,
            ModifiedAfter = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });

        var found = LocalFiles.Walk(_root, "pre", filter).ToList();

        Assert.All(found, e => Assert.IsType<LocalFile>(e));
        Assert.Equal(["pre/a.jpg", "pre/photos/b.jpg", "pre/photos/raw/c.jpg", "pre/x/f.png"], found.Select(e => e.ObjectName).Order(StringComparer.Ordinal));
        Assert.Equal((4L, 120L), LocalFiles.Count(_root, filter));
        Assert.Equal((9L, 1230L), LocalFiles.Count(_root));
    }

    [Fact]
    public void A_problem_file_that_the_rules_leave_out_is_not_reported()
    {
        Write("keep.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "dangling.tmp"), Path.Combine(_root, "nowhere"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling.txt"), Path.Combine(_root, "nowhere"));

        var found = LocalFiles.Walk(_root, null, Filter(exclude: ["*.tmp"])).ToList();

        Assert.Equal(["dangling.txt", "keep.txt"], found.Select(e => e.ObjectName).Order(StringComparer.Ordinal));
        Assert.IsType<LocalProblem>(found.Single(e => e.ObjectName == "dangling.txt"));
    }
}
