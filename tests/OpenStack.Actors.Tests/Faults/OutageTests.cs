using System.Diagnostics;
using System.Text.Json;
using OpenStack.Actors.Host;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Tests.Host;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>
/// Real outages of the dev cloud's services in the middle of a batch run by the <c>openstack-actors</c> CLI: the Swift
/// proxy or Keystone is stopped once the run has stored (or fetched) its first files, and started again 40 s later.
/// The first run must finish the job; a run whose outage outlasts its budget stops cleanly and a rerun finishes it.
/// </summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OutageTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int Files = 600;
    private static readonly TimeSpan OutageLength = TimeSpan.FromSeconds(40);
    private static IReadOnlyDictionary<string, string?> Env => CliRunner.Environment(CloudsYaml);

    /// <summary>600 files of 1-30 KB in ten folders (the sizes of the scenario in the issue).</summary>
    private string Tree() => SmallFiles(Files, seed: 13, minBytes: 1000, maxBytes: 30_000);

    [Theory]
    [InlineData("swift-proxy")]
    [InlineData("keystone")]
    public async Task A_service_down_for_40_s_mid_upload_and_the_first_run_stores_every_file(string service)
    {
        var root = Tree();
        var container = Container("outage");
        var report = Path.Combine(TempDir(), "report.json");
        var clock = Clock();
        var run = CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container, "--transfers", "8", "--report", report);

        var outage = await OutageOnceAsync(service, () => StoredCountAsync(container), run);
        var result = await run;
        Out.WriteLine(result.Out + result.Error);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains($"Uploaded: {Files}  Skipped: 0  Failed: 0", result.Out);
        Assert.Contains("Outage: paused at", result.Out);
        Assert.DoesNotContain("Akka", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(report)))
        {
            var outages = doc.RootElement.GetProperty("summary").GetProperty("outages");
            Assert.True(outages.GetArrayLength() >= 1);
            Assert.True(doc.RootElement.GetProperty("files").EnumerateArray().All(f => f.GetProperty("status").GetString() == "uploaded"));
        }
        await AssertStoredExactlyAsync(container, root);
        Assert.Equal(Hashes(root), await SwiftclientListingAsync(container));
        Report($"outage {service} 40 s, {Files} files: first run stored {Files}, {clock.Elapsed.TotalSeconds:F0} s (service stopped after {outage.StoppedAfter:F0} s)");
    }

    [Fact]
    public async Task The_Swift_proxy_down_for_40_s_mid_download_and_every_file_arrives_byte_identical()
    {
        var root = Tree();
        var container = Container("outage-dl");
        var (stored, _) = await UploadAsync(Direct, Sys, root, container, Upload(skip: SkipMode.None));
        Assert.Equal(Files, stored.Transferred);
        var target = TempDir();
        var run = CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "download", container, target, "--transfers", "8");

        await OutageOnceAsync("swift-proxy", () => Task.FromResult((long)Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count()), run);
        var result = await run;
        Out.WriteLine(result.Out + result.Error);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains($"Downloaded: {Files}  Skipped: 0  Failed: 0", result.Out);
        Assert.Contains("Outage: paused at", result.Out);
        Assert.Equal(Hashes(root), Hashes(target));
    }

    [Fact]
    public async Task An_outage_longer_than_the_budget_stops_cleanly_with_the_files_not_attempted_and_a_rerun_completes_the_job()
    {
        var root = Tree();
        var container = Container("budget");
        var report = Path.Combine(TempDir(), "report.json");
        var run = CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container, "--transfers", "8", "--report", report,
            "--outage-budget", "10s");

        await WaitForAsync(() => StoredCountAsync(container), run);
        await DevCloud.RunScriptAsync("stop", "swift-proxy");
        CliRunner.Result result;
        try
        {
            result = await run;   // the proxy stays down until the run has given up
        }
        finally
        {
            await DevCloud.RunScriptAsync("start", "swift-proxy");
        }
        Out.WriteLine(result.Out + result.Error);

        Assert.Equal(SummaryPrinter.OutageExitCode, result.ExitCode);
        Assert.Contains("Stopped: http://127.0.0.1:8080 down since", result.Out);
        Assert.Contains("longer than the outage budget of 10 s", result.Out);
        var statuses = new Dictionary<string, string>();
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(report)))
        {
            foreach (var f in doc.RootElement.GetProperty("files").EnumerateArray())
                statuses.Add(f.GetProperty("object").GetString()!, f.GetProperty("status").GetString()!);
            var summary = doc.RootElement.GetProperty("summary");
            Assert.Equal(statuses.Count(s => s.Value == "not-attempted"), summary.GetProperty("notAttempted").GetInt32());
            Assert.Contains("outage budget", summary.GetProperty("outageBudgetExceeded").GetString());
        }
        // Every file is accounted for exactly once; most were not attempted, and those were not stored.
        Assert.Equal(Hashes(root).Keys.Order(), statuses.Keys.Order());
        var notAttempted = statuses.Where(s => s.Value == "not-attempted").Select(s => s.Key).ToHashSet();
        Assert.True(notAttempted.Count > Files / 2, $"{notAttempted.Count} not attempted");
        Assert.Contains($"Not attempted: {notAttempted.Count}", result.Out);
        var storedAfterFirst = await StoredAsync(container);
        Assert.DoesNotContain(notAttempted, storedAfterFirst.ContainsKey);
        Assert.All(statuses.Where(s => s.Value == "uploaded"), s => Assert.True(storedAfterFirst.ContainsKey(s.Key), s.Key));

        var rerun = await CliRunner.RunAsync(Env, "--os-cloud", "devcloud-demo", "upload", root, container, "--transfers", "8");
        Assert.True(rerun.ExitCode == 0, rerun.Out + rerun.Error);
        Assert.Contains($"Uploaded: {Files - storedAfterFirst.Count}  Skipped: {storedAfterFirst.Count}  Failed: 0", rerun.Out);
        await AssertStoredExactlyAsync(container, root);
    }

    [Fact]
    public async Task A_server_that_caps_listing_pages_below_the_limit_still_lists_every_object()
    {
        const int objects = 45;
        var container = await ContainerWithObjectsAsync("capped", objects);
        // Ceph RGW's rgw_max_listing_results, played by rewriting every listing's limit to 7.
        var proxy = Proxy(SwiftUrl, r => r.Target.Contains("limit=", StringComparison.Ordinal)
            ? new FaultAction.Forward { RewriteTarget = t => System.Text.RegularExpressions.Regex.Replace(t, "limit=[0-9]+", "limit=7") }
            : FaultAction.Pass);
        var client = new ObjectStoreClient(Session(), Via(proxy));

        var names = new List<string>();
        await foreach (var e in client.ListObjectsAsync(container)) names.Add(e.Name);

        Assert.Equal(Enumerable.Range(0, objects).Select(i => $"o{i:D3}"), names);
        var listings = proxy.Exchanges.Count(e => e.Method == "GET");
        Assert.Equal(objects / 7 + 2, listings);   // 6 full pages, the short 7th, and the empty page that ends it

        var target = TempDir();
        var summary = await new BatchDownloader(client, Sys).DownloadAsync(new DownloadJob(container, target));
        Assert.Equal(objects, summary.Transferred);
    }

    [Fact]
    public async Task Files_that_fail_transiently_are_tried_again_after_all_others_and_one_that_never_succeeds_fails_with_its_reason()
    {
        var root = SmallFiles(30);
        var container = Container("final-pass");
        var puts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        // d1/f0001.bin: 503 for its first 6 PUTs, one more than the session's 5 attempts; d2/f0002.bin: 503 always.
        var proxy = Proxy(SwiftUrl, r =>
        {
            if (r.Method != "PUT" || !r.Path.EndsWith(".bin", StringComparison.Ordinal)) return FaultAction.Pass;
            var n = puts.AddOrUpdate(r.Path, 1, (_, v) => v + 1);
            return r.Path.EndsWith("/d2/f0002.bin", StringComparison.Ordinal) || (r.Path.EndsWith("/d1/f0001.bin", StringComparison.Ordinal) && n <= 6)
                ? FaultAction.Answer(503, body: "<html><h1>Service Unavailable</h1></html>")
                : FaultAction.Pass;
        });
        // Quick session retries, and a breaker that does not open on one file's run of 503s (not what is tested here).
        var session = Session(Settings(s => s with { MinBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50), BreakerMaxFailures = 1000 }));
        var client = new ObjectStoreClient(session, Via(proxy));

        var (summary, results) = await UploadAsync(client, Sys, root, container, Upload(transfers: 4) with { Retries = 3 });

        Assert.Equal(29, summary.Transferred);
        var failed = Assert.Single(summary.Failures);
        Assert.Equal("d2/f0002.bin", failed.ObjectName);
        Assert.Contains("503", failed.Reason);
        Assert.Equal(30, results.Count);   // one result per file, however often it was tried
        var d1 = puts.Single(p => p.Key.EndsWith("/d1/f0001.bin", StringComparison.Ordinal));
        var d2 = puts.Single(p => p.Key.EndsWith("/d2/f0002.bin", StringComparison.Ordinal));
        Assert.Equal(7, d1.Value);          // 5 in the first pass, 2 in the second
        Assert.Equal(5 * 4, d2.Value);      // 5 per pass: the first and 3 retries
        var arrivals = proxy.Arrivals.Where(a => a.Method == "PUT").ToList();
        var lastOfOthers = arrivals.Where(a => a.Path != d1.Key && a.Path != d2.Key).Max(a => a.Seq);
        Assert.True(arrivals.Where(a => a.Path == d1.Key).Skip(5).All(a => a.Seq > lastOfOthers), "the retry came before other files were done");
        Assert.Equal(29, (await StoredAsync(container)).Count);
    }

    private sealed record OutageTimes(double StoppedAfter);

    /// <summary>Once <paramref name="progress"/> reaches a tenth of the files, stops <paramref name="service"/> for
    /// <see cref="OutageLength"/> and starts it again (also when the test fails).</summary>
    private async Task<OutageTimes> OutageOnceAsync(string service, Func<Task<long>> progress, Task running)
    {
        var clock = Stopwatch.StartNew();
        await WaitForAsync(progress, running);
        var stoppedAfter = clock.Elapsed.TotalSeconds;
        await DevCloud.RunScriptAsync("stop", service);
        try
        {
            // The outage's length is the fault itself, not a wait for the run.
            await Task.Delay(OutageLength);
            Assert.False(running.IsCompleted, "the run ended during the outage");
        }
        finally
        {
            await DevCloud.RunScriptAsync("start", service);
        }
        return new OutageTimes(stoppedAfter);
    }

    /// <summary>Polls until a tenth of the files are done, so the outage falls in the middle of the run.</summary>
    private static async Task WaitForAsync(Func<Task<long>> progress, Task running)
    {
        var deadline = Stopwatch.StartNew();
        while (await progress() < Files / 10)
        {
            Assert.False(running.IsCompleted, "the run ended before the outage");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "the run made no progress");
            await Task.Delay(100);
        }
    }

    private async Task<long> StoredCountAsync(string container)
    {
        try
        {
            return (await Direct.GetContainerAsync(container)).ObjectCount;
        }
        catch (OpenStack.Actors.Http.HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return 0;   // not created yet
        }
    }

    /// <summary>The container as python-swiftclient lists it: object name to hash.</summary>
    private static async Task<SortedDictionary<string, string>> SwiftclientListingAsync(string container)
    {
        const string script = """
            import json, os, sys
            from swiftclient.client import Connection
            c = Connection(authurl=os.environ['OS_AUTH_URL'], user=os.environ['OS_USERNAME'], key=os.environ['OS_PASSWORD'], auth_version='3',
                           os_options={'project_name': os.environ['OS_PROJECT_NAME'], 'user_domain_name': 'Default', 'project_domain_name': 'Default'})
            _, objects = c.get_container(sys.argv[1], full_listing=True)
            print(json.dumps({o['name']: o['hash'] for o in objects}))
            """;
        var (code, stdout, stderr) = await DevCloud.RunAsync("/usr/bin/python3", ["-c", script, container], DevCloud.DemoOsEnvironment());
        Assert.True(code == 0, stderr);
        return new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(stdout)!, StringComparer.Ordinal);
    }
}
