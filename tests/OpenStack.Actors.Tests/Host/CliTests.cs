using System.Text.Json;
using OpenStack.Actors.Host;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.Host;

/// <summary>The command line without a cloud: parsing, usage errors, configuration errors and the output pieces.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private IReadOnlyDictionary<string, string?> NoClouds => CliRunner.Environment(Path.Combine(_dir, "missing-clouds.yaml"));

    [Theory]
    [InlineData("upload")]
    [InlineData("upload", "dir")]
    [InlineData("upload", "dir", "c", "--segment-size", "12parsecs")]
    [InlineData("upload", "dir", "c", "--transfers", "0")]
    [InlineData("upload", "dir", "c", "--force", "--changed")]
    [InlineData("upload", "-", "c")]
    [InlineData("upload", "-", "c", "--object-name", "x", "--include", "*.txt")]
    [InlineData("upload", "-", "c", "--object-name", "x", "--changed")]
    [InlineData("upload", "-", "c", "--object-name", "x", "--cluster")]
    [InlineData("upload", "dir", "c", "--header", "no colon")]
    [InlineData("upload", "dir", "c", "--header", "X-Object-Manifest: c/p")]
    [InlineData("upload", "dir", "c", "--header", "X-Delete-After: soon")]
    [InlineData("upload", "dir", "c", "--meta", "novalue")]
    [InlineData("upload", "dir", "c", "--meta", "a=1", "--header", "X-Object-Meta-A: 2")]
    [InlineData("upload", "dir", "c", "--cluster", "--meta", "a=1")]
    [InlineData("frobnicate")]
    public async Task Invalid_command_lines_exit_with_2_and_say_why(params string[] args)
    {
        var r = await CliRunner.RunAsync(NoClouds, args);
        Assert.Equal(2, r.ExitCode);
        Assert.NotEqual("", r.Error.Trim());
    }

    [Theory]
    [InlineData("upload - needs --object-name", "upload", "-", "c")]
    [InlineData("header name 'Bad Name' has characters", "upload", "dir", "c", "-H", "Bad Name: v")]
    [InlineData("Dynamic Large Object", "upload", "dir", "c", "--header", "X-Object-Manifest: c/p")]
    [InlineData("'X-Object-Meta-a' is given twice", "upload", "dir", "c", "--meta", "a=1", "--meta", "a=2")]
    public async Task Upload_usage_errors_say_what_is_wrong(string message, params string[] args)
    {
        var r = await CliRunner.RunAsync(NoClouds, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_names_the_tool_and_its_version_not_the_test_host()
    {
        var r = await CliRunner.RunAsync(NoClouds, "--version");

        Assert.Equal(0, r.ExitCode);
        // The version of Directory.Build.props, and the commit when the build saw a git checkout.
        Assert.Matches(@"^openstack-actors \d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9a-f]{40})?$", r.Out.Trim());
        Assert.StartsWith($"openstack-actors {typeof(Cli).Assembly.GetName().Version!.ToString(3)}", r.Out);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public async Task Version_with_anything_else_is_a_usage_error()
    {
        var r = await CliRunner.RunAsync(NoClouds, "--version", "list");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--version", r.Error);
        Assert.DoesNotContain("openstack-actors 0", r.Out);
    }

    [Fact]
    public async Task A_size_error_names_the_option_and_gives_examples()
    {
        var r = await CliRunner.RunAsync(NoClouds, "upload", _dir, "c", "--segment-size", "12parsecs");
        Assert.Contains("--segment-size", r.Error);
        Assert.Contains("4MiB", r.Error);
    }

    [Fact]
    public async Task An_unknown_cloud_is_an_error_naming_it_and_the_clouds_that_exist()
    {
        var yaml = Path.Combine(_dir, "clouds.yaml");
        await File.WriteAllTextAsync(yaml, "clouds:\n  real-one:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n      username: u\n      password: p\n      project_name: p\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(yaml, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var r = await CliRunner.RunAsync(CliRunner.Environment(yaml), "--os-cloud", "nope", "list");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nope", r.Error);
        Assert.Contains("real-one", r.Error);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task Os_cloud_comes_from_the_environment_when_no_option_names_it()
    {
        var yaml = Path.Combine(_dir, "clouds.yaml");
        await File.WriteAllTextAsync(yaml, "clouds:\n  other: {auth: {auth_url: 'http://127.0.0.1:1/v3', username: u, password: p}}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(yaml, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var env = new Dictionary<string, string?> { ["OS_CLIENT_CONFIG_FILE"] = yaml, ["OS_CLOUD"] = "from-env" };

        var r = await CliRunner.RunAsync(env, "list");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("from-env", r.Error);
    }

    [Fact]
    public async Task An_unreadable_or_invalid_config_file_is_a_usage_error()
    {
        var missing = await CliRunner.RunAsync(NoClouds, "--config", Path.Combine(_dir, "none.conf"), "list");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("none.conf", missing.Error);

        var bad = Path.Combine(_dir, "bad.conf");
        await File.WriteAllTextAsync(bad, "openstack { object-store { transfers = many } }");
        var invalid = await CliRunner.RunAsync(NoClouds, "--config", bad, "list");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("HOCON", invalid.Error);
    }

    [Fact]
    public void The_config_file_overrides_the_defaults()
    {
        var file = Path.Combine(_dir, "over.conf");
        File.WriteAllText(file, "openstack.object-store { transfers = 3, segment-size = 64MiB }");
        var settings = ObjectStoreSettings.Create(CloudConnection.LoadConfig(file));
        Assert.Equal(3, settings.Transfers);
        Assert.Equal(64L << 20, settings.SegmentSize);
        Assert.Equal(SkipMode.Md5, settings.Skip);
        Assert.Equal("WARNING", CloudConnection.LoadConfig(file).GetString("akka.loglevel"));
    }

    [Fact]
    public void The_summary_has_the_counts_line_a_failure_table_and_the_exit_code()
    {
        var console = CliRunner.NewConsole(NoClouds);
        var summary = new TransferSummary(3, 300, 1, 100, 2,
            [new FileFailed("/d/x", "x", 1, "cannot read: permission denied"), new FileFailed("/d/[y]", "[y]", 1, "boom [red]")], TimeSpan.FromSeconds(2), false);

        SummaryPrinter.Print(console, "Uploaded", summary);

        var text = console.OutWriter.ToString()!;
        Assert.Contains("Uploaded: 3  Skipped: 1  Failed: 2", text.Split('\n')[0]);
        Assert.Contains("cannot read: permission denied", text);
        Assert.Contains("[y]", text);          // markup-like names are printed as they are
        Assert.Contains("boom [red]", text);
        Assert.Equal(1, SummaryPrinter.ExitCode(summary));
        Assert.Equal(0, SummaryPrinter.ExitCode(summary with { Failed = 0, Failures = [] }));
        Assert.Equal(130, SummaryPrinter.ExitCode(summary with { Failed = 0, Failures = [], Interrupted = true }));
    }

    [Fact]
    public void The_report_is_valid_json_with_every_result_and_the_summary()
    {
        var path = Path.Combine(_dir, "out", "report.json");
        using (var report = ReportWriter.Create(path, "upload", "/src", "c"))
        {
            report.Write(new FileUploaded("/src/a", "a", 10, "etag-a", 0, 0, TimeSpan.FromMilliseconds(5)));
            report.Write(new FileUploaded("/src/big", "big", 1000, "etag-big", 3, 1, TimeSpan.FromSeconds(1)) { Warning = "1 old segment(s) not deleted" });
            report.Write(new FileSkipped("/src/b", "b", 20, "identical (same MD5)"));
            report.Write(new FileFailed("/src/c", "c é", 0, "cannot read: dangling symbolic link to '/x'") { Error = new IOException("secret detail") });
            report.Finish(new TransferSummary(2, 1010, 1, 20, 1, [], TimeSpan.FromSeconds(3), false));
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("upload", root.GetProperty("operation").GetString());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["uploaded", "uploaded", "skipped", "failed"], files.Select(f => f.GetProperty("status").GetString()));
        Assert.Equal(3, files[1].GetProperty("segments").GetInt32());
        Assert.Equal("c é", files[3].GetProperty("object").GetString());
        Assert.Contains("dangling", files[3].GetProperty("reason").GetString());
        Assert.DoesNotContain("secret detail", File.ReadAllText(path));
        Assert.Equal(1, root.GetProperty("summary").GetProperty("failed").GetInt32());
    }

    [Fact]
    public void A_progress_line_shows_files_bytes_rates_and_an_eta_once_the_total_is_known()
    {
        var s = new TransferProgressSnapshot(50, 40, 5, 1, 100L << 20, 0, 100L << 20, 3, TimeSpan.FromSeconds(10));
        var line = ProgressDisplay.Line(s, "uploaded", (100, 200L << 20));
        Assert.StartsWith("46/100 files (uploaded 40, skipped 5, failed 1), 100 MiB sent, 10.5 MB/s, 4.6 files/s, 3 in flight", line);
        Assert.EndsWith("ETA 00:00:10", line);
        Assert.DoesNotContain("ETA", ProgressDisplay.Line(s, "uploaded", null));
    }

    [Theory]
    [InlineData("X-Subject-Token", true)]
    [InlineData("X-Auth-Token", true)]
    [InlineData("Set-Cookie", true)]
    [InlineData("X-Openstack-Request-Id", false)]
    [InlineData("Content-Type", false)]
    public void Secret_response_headers_are_masked(string header, bool secret) => Assert.Equal(secret, OpenStack.Actors.Redaction.IsSecretHeader(header));

    [Fact]
    public void An_interrupt_before_anyone_listens_is_replayed_to_the_first_listener()
    {
        var console = CliRunner.NewConsole(NoClouds);
        console.Interrupt();
        var seen = new List<int>();
        using (console.OnInterrupt(seen.Add)) console.Interrupt();
        console.Interrupt();
        Assert.Equal([1, 2], seen);
    }
}
