using System.Globalization;
using System.Text.RegularExpressions;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Host;

/// <summary>--bwlimit, --tpslimit, -v and --log-file against the dev cloud, timed from the run's own log.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class CliRateLimitIntegrationTests : TestKit, IDisposable
{
    private readonly TempDirectories _dirs = new();
    private static IReadOnlyDictionary<string, string?> Env => CliRunner.Environment(CloudsYaml);

    void IDisposable.Dispose() => _dirs.Dispose();

    /// <summary>One line of the log file: when it was written, and the request it tells of.</summary>
    private sealed record LogLine(DateTime At, string Method, string Url, int Status, TimeSpan Took)
    {
        public DateTime Started => At - Took;
    }

    private static List<LogLine> HttpLines(string logFile) => File.ReadAllLines(logFile)
        .Select(l => FileLine().Match(l))
        .Where(m => m.Success)
        .Select(m => new LogLine(DateTime.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
            m.Groups["method"].Value, m.Groups["url"].Value, int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
            TimeSpan.FromMilliseconds(int.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture))))
        .ToList();

    [Fact]
    public async Task An_upload_under_bwlimit_runs_at_the_limit_over_all_its_parallel_transfers()
    {
        var root = _dirs.New();
        const long fileSize = 2L << 20;
        for (var i = 0; i < 5; i++) WriteRandom(Path.Combine(root, $"f{i}.bin"), fileSize, seed: i);
        var container = NewContainer("bwlimit");
        var log = Path.Combine(_dirs.New(), "run.log");
        var client = Client(Sys);
        try
        {
            var up = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "-v", "--log-file", log, "--bwlimit", "2MiB",
                "upload", root, container, "--transfers", "5");

            Assert.True(up.ExitCode == 0, up.Out + up.Error);
            Assert.Contains("Uploaded: 5  Skipped: 0  Failed: 0", up.Out);
            var puts = HttpLines(log).Where(l => l.Method == "PUT" && l.Url.EndsWith(".bin", StringComparison.Ordinal)).ToList();
            Assert.Equal(5, puts.Count);
            Assert.All(puts, p => Assert.Equal(201, p.Status));
            // The transfer part: from the first object PUT's start to the last one's end, 10 MiB at 2 MiB/s.
            var seconds = (puts.Max(p => p.At) - puts.Min(p => p.Started)).TotalSeconds;
            var rate = 5 * fileSize / seconds;
            Assert.InRange(rate, 0.85 * (2 << 20), 1.15 * (2 << 20));

            // Downloads too: a streamed body's log line ends with its headers, so the run's summary gives the time here.
            var target = _dirs.New();
            var down = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "--bwlimit", "2MiB", "download", container, target, "--transfers", "5");
            Assert.True(down.ExitCode == 0, down.Out + down.Error);
            var summary = Summary().Match(down.Out);
            Assert.True(summary.Success, down.Out);
            var downRate = 5 * fileSize / double.Parse(summary.Groups["s"].Value, CultureInfo.InvariantCulture);
            Assert.InRange(downRate, 0.85 * (2 << 20), 1.15 * (2 << 20));
            Assert.Equal(Hashes(root), Hashes(target));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task An_upload_under_tpslimit_sends_its_requests_at_the_limit()
    {
        var root = _dirs.New();
        for (var i = 0; i < 20; i++) await File.WriteAllTextAsync(Path.Combine(root, $"s{i:00}.txt"), $"small file {i}");
        var container = NewContainer("tpslimit");
        var log = Path.Combine(_dirs.New(), "run.log");
        var client = Client(Sys);
        try
        {
            var up = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "-v", "--log-file", log, "--tpslimit", "5", "upload", root, container);

            Assert.True(up.ExitCode == 0, up.Out + up.Error);
            Assert.Contains("Uploaded: 20  Skipped: 0  Failed: 0", up.Out);
            // Every request the session sends waits for its turn (Keystone token requests are paced by their own rule).
            var sent = HttpLines(log).Where(l => !l.Url.EndsWith("/auth/tokens", StringComparison.Ordinal)).OrderBy(l => l.Started).ToList();
            Assert.True(sent.Count >= 21, string.Join('\n', sent));
            Assert.Equal(20, sent.Count(l => l.Method == "PUT" && l.Url.EndsWith(".txt", StringComparison.Ordinal)));
            var expected = (sent.Count - 1) / 5.0;
            var seconds = (sent[^1].Started - sent[0].Started).TotalSeconds;
            Assert.InRange(seconds, 0.85 * expected, 1.15 * expected);
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    [Fact]
    public async Task Verbose_prints_one_line_per_request_with_its_status_and_never_the_token()
    {
        var root = _dirs.New();
        for (var i = 0; i < 3; i++) await File.WriteAllTextAsync(Path.Combine(root, $"v{i}.txt"), $"verbose {i}");
        var container = NewContainer("verbose");
        var client = Client(Sys);
        try
        {
            var token = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "-v", "token", "issue");
            Assert.True(token.ExitCode == 0, token.Out + token.Error);
            var value = TokenRow().Match(token.Out).Groups["token"].Value;
            Assert.True(value.Length > 20, token.Out);
            Assert.Matches(@"(?m)^http: POST http://\S+/v3/auth/tokens 201 in \d+ ms", token.Error);
            Assert.DoesNotContain(value, token.Error, StringComparison.Ordinal);

            var log = Path.Combine(_dirs.New(), "token.log");
            var logged = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "-v", "--log-file", log, "token", "issue");
            Assert.Equal(0, logged.ExitCode);
            var issued = TokenRow().Match(logged.Out).Groups["token"].Value;
            Assert.Single(HttpLines(log), l => l.Method == "POST" && l.Status == 201);
            Assert.DoesNotContain(issued, await File.ReadAllTextAsync(log), StringComparison.Ordinal);
            Assert.DoesNotContain(issued, logged.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("http:", logged.Error, StringComparison.Ordinal);   // the log went to the file instead

            var up = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "-v", "upload", root, container);
            Assert.True(up.ExitCode == 0, up.Out + up.Error);
            var lines = up.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("http: ", StringComparison.Ordinal)).ToList();
            Assert.All(lines, l => Assert.Matches(StderrLine(), l));
            Assert.Equal(3, lines.Count(l => Regex.IsMatch(l, $@"^http: PUT \S+/{container}/v\d\.txt 201 in \d+ ms request-id tx\S+$")));
            Assert.Single(lines, l => l.Contains("/auth/tokens 201", StringComparison.Ordinal));
        }
        finally
        {
            await DeleteEverythingAsync(client, container);
        }
    }

    // 2026-12-01T14:54:09.230Z http: PUT http://127.0.0.1:8080/v1/AUTH_x/c/o 201 in 2981 ms request-id tx...
    [GeneratedRegex(@"^(?<at>\S+Z) http: (?<method>[A-Z]+) (?<url>\S+) (?<status>\d{3}) in (?<ms>\d+) ms")]
    private static partial Regex FileLine();

    // 10.0 MiB downloaded, 0 B skipped in 5.0 s (2.1 MB/s)
    [GeneratedRegex(@"downloaded, \S+ \S+ skipped in (?<s>\d+\.\d) s")]
    private static partial Regex Summary();

    [GeneratedRegex(@"^http: (GET|HEAD|PUT|POST|DELETE) https?://\S+ \d{3} in \d+ ms( request-id \S+)?$")]
    private static partial Regex StderrLine();

    [GeneratedRegex(@"(?m)^\W*id\W+(?<token>[A-Za-z0-9_\-]{20,})")]
    private static partial Regex TokenRow();
}
