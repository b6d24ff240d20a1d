using OpenStack.Actors.Host;
using Xunit;

namespace OpenStack.Actors.Tests.Host;

/// <summary>The filter options without a cloud: ages, durations, and the usage errors of bad filters.</summary>
public sealed class FilterOptionsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2024, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-filter-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("10d", 10 * 86_400)]
    [InlineData("2h30m", 2.5 * 3600)]
    [InlineData("1w", 7 * 86_400)]
    [InlineData("1M", 30 * 86_400)]
    [InlineData("1m", 60)]
    [InlineData("1.5y", 1.5 * 365 * 86_400)]
    [InlineData("1d12h", 1.5 * 86_400)]
    [InlineData("500ms", 0.5)]
    [InlineData("90", 90)]
    [InlineData("0", 0)]
    public void An_age_is_now_less_the_duration(string text, double seconds) =>
        Assert.Equal(Now - TimeSpan.FromSeconds(seconds), FilterOptions.ParseAge(text, Now));

    [Fact]
    public void An_age_can_be_a_date_local_unless_it_says_its_zone()
    {
        var local = new DateTimeOffset(new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Local));
        Assert.Equal(local, FilterOptions.ParseAge("2024-05-01", Now));
        Assert.Equal(local.AddHours(12).AddMinutes(30), FilterOptions.ParseAge("2024-05-01 12:30:00", Now));
        Assert.Equal(local.AddHours(12), FilterOptions.ParseAge("2024-05-01T12:00:00", Now));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, 123, TimeSpan.Zero), FilterOptions.ParseAge("2024-05-01T12:00:00.123Z", Now));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)), FilterOptions.ParseAge("2024-05-01T12:00:00+02:00", Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10x")]
    [InlineData("d")]
    [InlineData("1h30")]
    [InlineData("yesterday")]
    [InlineData("2024-13-01")]
    public void Not_an_age(string text) => Assert.Null(FilterOptions.ParseAge(text, Now));

    [Theory]
    [InlineData("15m", 900)]
    [InlineData("15M", 900)]   // timeouts ignore case: no months there
    [InlineData("15min", 900)]
    [InlineData("1h30m", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("30", 30)]
    [InlineData("2 s", 2)]
    public void Timeouts_keep_their_units(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Cli.ParseDuration(text));

    private async Task<CliRunner.Result> RunAsync(params string[] args)
    {
        // A cloud that is never reached: every error here comes before the first request.
        var yaml = Path.Combine(_dir, "clouds.yaml");
        await File.WriteAllTextAsync(yaml, "clouds:\n  c: {auth: {auth_url: 'http://127.0.0.1:1/v3', username: u, password: p, project_name: p}}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(yaml, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return await CliRunner.RunAsync(CliRunner.Environment(yaml), ["--os-cloud", "c", .. args]);
    }

    [Theory]
    [InlineData("upload", "--include", "*.{jpg", "'*.{jpg': '{' without a matching '}'")]
    [InlineData("download", "--exclude", "a]", "'a]': ']' without a matching '['")]
    [InlineData("delete", "--filter", "+x", "'+x': not a rule")]
    [InlineData("download", "--filter", "- ***", "too many stars")]
    public async Task A_bad_pattern_exits_2_naming_it_and_why(string command, string option, string value, string expected)
    {
        string[] args = command switch
        {
            "upload" => ["upload", _dir, "c", option, value],
            "download" => ["download", "c", _dir, option, value],
            _ => ["delete", "c", option, value],
        };
        var r = await RunAsync(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Error);
    }

    [Fact]
    public async Task A_bad_filter_file_line_or_a_missing_file_exits_2_naming_the_file_and_line()
    {
        var rules = Path.Combine(_dir, "rules.txt");
        await File.WriteAllTextAsync(rules, "# photos only\n+ *.jpg\n*.png\n- *\n");
        var bad = await RunAsync("download", "c", _dir, "--filter-from", rules);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("rules.txt line 3: '*.png': not a rule", bad.Error);

        var missing = await RunAsync("upload", _dir, "c", "--filter-from", Path.Combine(_dir, "none.txt"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--filter-from: cannot read", missing.Error);
        Assert.Contains("none.txt", missing.Error);
    }

    [Theory]
    [InlineData("--min-size", "2MiB", "--max-size", "1MiB", "--min-size (2.00 MiB) is larger than --max-size (1.00 MiB)")]
    [InlineData("--min-age", "10d", "--max-age", "1d", "--min-age is larger than --max-age")]
    public async Task Limits_that_leave_nothing_exit_2(string o1, string v1, string o2, string v2, string expected)
    {
        var r = await RunAsync("download", "c", _dir, o1, v1, o2, v2);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Error);
    }

    [Theory]
    [InlineData("--max-age", "yesterday", "--max-age: 'yesterday' is neither an age")]
    [InlineData("--min-size", "lots", "--min-size")]
    public async Task A_bad_limit_is_a_parse_error_naming_the_option(string option, string value, string expected)
    {
        var r = await RunAsync("upload", _dir, "c", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Error);
    }

    [Fact]
    public async Task Delete_takes_object_names_or_filters_not_both()
    {
        var r = await RunAsync("delete", "c", "a.txt", "--include", "*.txt");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("give object names or filter options, not both", r.Error);
    }
}
