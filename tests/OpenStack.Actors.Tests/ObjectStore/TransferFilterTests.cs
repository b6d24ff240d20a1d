using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>The filter against rclone's documented examples (docs/content/filtering.md) and rules.</summary>
public sealed class TransferFilterTests
{
    private static TransferFilter Rules(params string[] lines) =>
        TransferFilter.Create(new TransferFilterOptions { Rules = FilterFile.Parse(string.Join('\n', lines), "test") });

    private static TransferFilter Including(params string[] patterns) => TransferFilter.Create(new TransferFilterOptions { Include = patterns });

    // rclone's pattern table ("Filter pattern examples") and its anchoring examples, as --include rules: the pattern
    // alone decides, since an include-only filter excludes whatever does not match. Paths are relative (no leading '/').
    [Theory]
    [InlineData("*.jpg", "file.jpg|dir/file.jpg", "file.png|dir/file.png")]
    [InlineData("/*.jpg", "file.jpg|file2.jpg", "file.png|dir/file.jpg")]
    [InlineData("*.{jpg,png}", "file.jpg|dir/file.png", "file.gif|dir/file.gif")]
    [InlineData("dir/**", "dir/anyfile|subdir/dir/subsubdir/anyfile", "file.png|subdir/file.png")]
    [InlineData("*.t?t", "file.txt|dir/file.tzt", "file.qxt|dir/file.png|file.t/t")]
    [InlineData("*.[a-z]", "file.a|dir/file.b", "file.0|dir/file.1")]
    [InlineData(@"*.\?\?\?", "file.???|dir/file.???", "file.abc|dir/file.def")]
    [InlineData(@"*.\d\d\d", "file.012|dir/file.345", "file.abc|dir/file.def|file.٠١٢")]
    [InlineData("file.jpg", "file.jpg|directory/file.jpg", "afile.jpg|directory/afile.jpg")]
    [InlineData("/file.jpg", "file.jpg", "afile.jpg|directory/file.jpg")]
    [InlineData("potato", "potato", "POTATO|potatoes|potato/x")]
    [InlineData("??[^[:punct:]]*", "abc|abcdef|x/abc", "ab.c|ab!d")]
    [InlineData(@"*\[{JP,KR,HK}\]*", "movie [JP].mkv|x/a[HK]", "movie [US].mkv|movie JP.mkv")]
    [InlineData("{A,B}/**", "A/x|B/y/z|top/A/x", "C/x|A")]
    [InlineData("/{A,B}/**", "A/x|B/y/z", "top/A/x|C/x")]
    [InlineData("a{b,{c,d}}e", "abe|ace|ade", "aee|ae")]
    [InlineData("potato**sausage", "potatosausage|potato/x/sausage|potatoXsausage", "potato/x/sausages")]
    [InlineData("**.txt", "a.txt|x/y/z.txt", "a.txt/b")]
    [InlineData("/dir/*", "dir/a", "dir/a/b|x/dir/a")]
    [InlineData("[[:upper:]]*", "Readme|x/Makefile", "readme")]
    [InlineData("a b.txt", "a b.txt|d/a b.txt", "ab.txt")]
    [InlineData("*(1).+", "x(1).+", "x1.+|x(1)a+")]
    public void Patterns_match_as_in_rclone(string pattern, string matches, string doesNotMatch)
    {
        var filter = Including(pattern);
        foreach (var path in matches.Split('|')) Assert.True(filter.IncludesPath(path), $"{pattern} should match {path}");
        foreach (var path in doesNotMatch.Split('|')) Assert.False(filter.IncludesPath(path), $"{pattern} should not match {path}");
    }

    [Theory]
    [InlineData("secret1.jpg", false)]
    [InlineData("sub/secret2.jpg", false)]
    [InlineData("a.jpg", true)]
    [InlineData("x/b.png", true)]
    [InlineData("file2.avi", true)]
    [InlineData("dir/notes.txt", true)]
    [InlineData("dir/tmp/y", false)]
    [InlineData("dir/tmp/z.jpg", true)]   // "+ *.jpg" comes first
    [InlineData("dir/Trash/x.txt", false)]
    [InlineData("other.txt", false)]
    [InlineData("x/dir/notes.txt", false)]
    public void Rclones_sample_filter_file_first_match_wins(string path, bool included)
    {
        var filter = Rules(
            "# a sample filter rule file",
            "- secret*.jpg",
            "+ *.jpg",
            "+ *.png",
            "+ file2.avi",
            "- /dir/tmp/**",
            "- /dir/Trash/**",
            "+ /dir/**",
            "; exclude everything else",
            "- *");
        Assert.Equal(included, filter.IncludesPath(path));
    }

    [Fact]
    public void An_exclamation_mark_clears_the_rules_before_it()
    {
        var filter = Rules("+ *.jpg", "+ *.gif", "!", "+ 42.doc", "- *");
        Assert.True(filter.IncludesPath("42.doc"));
        Assert.False(filter.IncludesPath("a.jpg"));
        Assert.False(filter.IncludesPath("b.gif"));
        Assert.Equal(["+ 42.doc", "- *"], filter.Rules.Select(r => r.ToString()));
    }

    [Fact]
    public void Includes_imply_exclude_everything_else_and_filter_rules_do_not()
    {
        var include = Including("*.{png,jpg}");
        Assert.True(include.IncludesPath("a.png"));
        Assert.False(include.IncludesPath("b.txt"));
        Assert.Equal("- /**", include.Rules[^1].ToString());

        var plus = Rules("+ *.jpg");
        Assert.True(plus.IncludesPath("b.txt"));   // no rule matches: included
    }

    [Fact]
    public void Includes_are_tried_before_excludes_whatever_the_order_given_and_rules_after_both()
    {
        var options = new TransferFilterOptions { Include = ["*.jpg"], Exclude = ["h.jpg"] };
        Assert.True(options.MixesIncludeAndExclude);
        var filter = TransferFilter.Create(options);
        Assert.True(filter.IncludesPath("h.jpg"));   // as rclone: the include matched first
        Assert.False(filter.IncludesPath("h.txt"));

        var ordered = Rules("- h.jpg", "+ *.jpg", "- *");
        Assert.False(ordered.IncludesPath("h.jpg"));
        Assert.True(ordered.IncludesPath("g.jpg"));

        var cleared = TransferFilter.Create(new TransferFilterOptions { Include = ["*.jpg"], Rules = [FilterRule.Clear, new(FilterAction.Exclude, "*.txt")] });
        Assert.Equal(["- *.txt", "- /**"], cleared.Rules.Select(r => r.ToString()));   // the clear drops the include, not its implied exclude
    }

    [Fact]
    public void A_directory_pattern_excludes_everything_below_it_and_alone_includes_nothing()
    {
        var exclude = TransferFilter.Create(new TransferFilterOptions { Exclude = ["cache/"] });
        Assert.False(exclude.IncludesPath("cache/a"));
        Assert.False(exclude.IncludesPath("x/cache/y/z"));
        Assert.True(exclude.IncludesPath("cache"));   // a file named cache is no directory
        Assert.True(exclude.IncludesPath("cached/a"));

        var include = Including("/directory/");
        Assert.False(include.IncludesPath("directory/file"));   // rclone: "will not match any files"
        Assert.Equal(["- /**"], include.Rules.Select(r => r.ToString()));
    }

    [Fact]
    public void Directory_markers_are_matched_with_their_slash()
    {
        var jpg = Including("*.jpg");
        Assert.False(jpg.IncludesObject(new ObjectEntry("photos/", null, 0, null, null), null));
        Assert.True(Including("photos/**").IncludesObject(new ObjectEntry("photos/", null, 0, null, null), null));
        Assert.False(TransferFilter.Create(new TransferFilterOptions { Exclude = ["photos/"] }).IncludesObject(new ObjectEntry("photos/", null, 0, null, null), null));
    }

    [Theory]
    [InlineData("photos/", "photos/a.jpg")]
    [InlineData("photos", "photos/a.jpg")]
    [InlineData("", "a.jpg")]
    [InlineData(null, "a.jpg")]
    public void An_object_is_matched_by_its_name_after_the_prefix(string? prefix, string name)
    {
        var rooted = Including("/a.jpg");
        Assert.True(rooted.IncludesObject(new ObjectEntry(name, null, 1, null, null), prefix));
        Assert.False(rooted.IncludesObject(new ObjectEntry(name.Replace("a.jpg", "b/a.jpg"), null, 1, null, null), prefix));
    }

    [Fact]
    public void Sizes_are_inclusive_limits()
    {
        var filter = TransferFilter.Create(new TransferFilterOptions { MinSize = 10, MaxSize = 20 });
        Assert.False(filter.Includes("a", 9, null));
        Assert.True(filter.Includes("a", 10, null));
        Assert.True(filter.Includes("a", 20, null));
        Assert.False(filter.Includes("a", 21, null));
        Assert.True(TransferFilter.Create(new TransferFilterOptions { MaxSize = 0 }).Includes("empty", 0, null));
    }

    [Fact]
    public void Ages_are_inclusive_limits_and_an_unknown_time_does_not_pass_them()
    {
        var t = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var window = TransferFilter.Create(new TransferFilterOptions { ModifiedAfter = t, ModifiedBefore = t.AddDays(1) });
        Assert.False(window.Includes("a", 1, t.AddSeconds(-1)));
        Assert.True(window.Includes("a", 1, t));
        Assert.True(window.Includes("a", 1, t.AddDays(1)));
        Assert.False(window.Includes("a", 1, t.AddDays(1).AddTicks(1)));
        Assert.False(window.Includes("a", 1, null));
        Assert.True(window.Includes("a", 1, t.ToOffset(TimeSpan.FromHours(2))));   // the same instant in another zone
        Assert.True(TransferFilter.Everything.Includes("a", 1, null));
    }

    [Fact]
    public void Limits_and_patterns_both_apply()
    {
        var filter = TransferFilter.Create(new TransferFilterOptions { Include = ["*.log"], MinSize = 5 });
        Assert.True(filter.Includes("x/a.log", 5, null));
        Assert.False(filter.Includes("x/a.log", 4, null));
        Assert.False(filter.Includes("x/a.txt", 50, null));
    }

    [Fact]
    public void Limits_that_leave_nothing_are_refused()
    {
        var size = Assert.Throws<InvalidFilterException>(() => TransferFilter.Create(new TransferFilterOptions { MinSize = 2, MaxSize = 1 }));
        Assert.Contains("nothing would match", size.Message);
        var t = DateTimeOffset.UtcNow;
        Assert.Throws<InvalidFilterException>(() => TransferFilter.Create(new TransferFilterOptions { ModifiedAfter = t, ModifiedBefore = t.AddDays(-1) }));
    }

    [Theory]
    [InlineData("***", "too many stars")]
    [InlineData("a]", "']' without a matching '['")]
    [InlineData("a[bc", "'[' without a matching ']'")]
    [InlineData("{a,b", "'{' without a matching '}'")]
    [InlineData("a}", "'}' without a matching '{'")]
    [InlineData("{{jpe?g}}", "regular expressions")]
    [InlineData(@"\q", @"'\q' is not an escape")]
    [InlineData("x[]", "empty character class")]
    [InlineData("[[:colour:]]", "unknown character class '[:colour:]'")]
    [InlineData("[z-a]", "reverse")]
    [InlineData(@"a\", "ends with '\\'")]
    public void An_invalid_pattern_is_refused_naming_it_and_why(string pattern, string why)
    {
        var e = Assert.Throws<InvalidFilterException>(() => Including(pattern));
        Assert.Equal(pattern, e.Pattern);
        Assert.Contains($"'{pattern}'", e.Message);
        Assert.Contains(why, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_filter_file_line_that_is_not_a_rule_names_the_file_and_line()
    {
        var e = Assert.Throws<InvalidFilterException>(() => FilterFile.Parse("# rules\n+ *.jpg\n\n*.png\n", "rules.txt"));
        Assert.Equal(4, e.Line);
        Assert.Equal("rules.txt", e.FileName);
        Assert.StartsWith("rules.txt line 4: '*.png': not a rule", e.Message);

        var bad = Assert.Throws<InvalidFilterException>(() => FilterFile.Parse("- ok\r\n  + a[b  \r\n", "f"));
        Assert.Equal(2, bad.Line);
        Assert.Contains("'+ a[b'", bad.Message);
        Assert.Contains("'[' without a matching ']'", bad.Message);

        Assert.Throws<InvalidFilterException>(() => FilterFile.ParseRule("+x"));   // rclone needs the space
    }

    [Fact]
    public void A_filter_file_skips_comments_and_blank_lines_and_trims()
    {
        var rules = FilterFile.Parse("  # c\n; c\n\n  + *.jpg  \r\n- /tmp/** # not a comment\n!\n", "f");
        Assert.Equal(["+ *.jpg", "- /tmp/** # not a comment", "!"], rules.Select(r => r.ToString()));
    }
}
