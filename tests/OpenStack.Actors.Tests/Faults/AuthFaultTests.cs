using System.Text;
using System.Text.Json.Nodes;
using OpenStack.Actors.Auth;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Host;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;
using OpenStack.Actors.Catalog;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>Faults of Keystone and of tokens: revocation mid-upload, Keystone down or stalled at start, Keystone
/// flapping under load, and token bodies whose catalog is malformed or lacks the object store.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AuthFaultTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private static KeystonePasswordAuthenticator DemoVia(FaultProxy keystone) =>
        new(new Uri(keystone.Url, "v3"), DevCloud.Get("DEVCLOUD_DEMO_PASSWORD"), AuthScope.ProjectName(DevCloud.Get("DEVCLOUD_DEMO_PROJECT")),
            userName: DevCloud.Get("DEVCLOUD_DEMO_USER"));

    private static bool IsTokenRequest(ProxyRequest r) => r.Method == "POST" && r.Path == "/v3/auth/tokens";

    [Fact]
    public async Task A_token_revoked_mid_upload_costs_one_reauthentication_and_no_file()
    {
        const int files = 100;
        var swift = Proxy(SwiftUrl);   // passes everything; it counts the 401s Swift answers
        var counting = new CountingHandler();
        var session = Session(handler: counting);
        var client = new ObjectStoreClient(session, Via(swift));
        var root = SmallFiles(files, seed: 5);
        var container = Container("revoke");
        var thirtyDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = 0;
        var clock = Clock();

        var run = await new BatchUploader(client, Sys).StartAsync(new UploadJob(root, container) { Settings = Upload() },
            _ => { if (Interlocked.Increment(ref done) == 30) thirtyDone.TrySetResult(); });
        await thirtyDone.Task;
        var before = await session.GetAccessAsync();
        await RevokeAsync(before.Token);
        var revokedAt = clock.Elapsed;
        var summary = await run.Completion;

        Assert.True(summary.Failed == 0, string.Join("; ", summary.Failures.Take(5).Select(f => $"{f.ObjectName}: {f.Reason}")));
        Assert.Equal(files, summary.Transferred);
        var rejected = swift.Count(ProxyOutcome.Forwarded, 401);
        Assert.True(rejected >= 1, "no request met the revoked token: the test proved nothing");
        var stats = await session.GetStatsAsync();
        Assert.Equal(1, stats.Reauthentications);
        Assert.Equal(2, counting.TokenRequests);   // the first token and its one successor
        Assert.NotEqual(before.Generation, stats.TokenGeneration);
        await AssertStoredExactlyAsync(container, root);
        Report($"revoke: revoked at {revokedAt.TotalSeconds:F1} s after 30 of {files} files; {rejected} requests answered 401, " +
               $"reauthentications {stats.Reauthentications}, token requests {counting.TokenRequests}, failed {summary.Failed}, total {clock.Elapsed.TotalSeconds:F1} s");
    }

    private Dictionary<string, string?> CliEnvironment(FaultProxy keystone)
    {
        var env = DevCloud.DemoOsEnvironment().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        env["OS_AUTH_URL"] = new Uri(keystone.Url, "v3").AbsoluteUri;
        return env;
    }

    [Fact]
    public async Task Keystone_down_at_start_the_upload_command_exits_non_zero_at_once_with_a_clear_error()
    {
        var keystone = Proxy(KeystoneRoot, _ => FaultAction.Rst);   // every connection reset: Keystone is down
        var root = SmallFiles(3);
        var clock = Clock();

        var r = await CliRunner.RunAsync(CliEnvironment(keystone), "upload", root, Container("ksdown"));

        var elapsed = clock.Elapsed;
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Error:", r.Error);
        Assert.Contains($"{keystone.Url}v3/auth/tokens", r.Error);
        Assert.Contains("connection", r.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Uploaded:", r.Out);
        Assert.DoesNotContain(DevCloud.Get("DEVCLOUD_DEMO_PASSWORD"), r.Out + r.Error);
        Assert.Equal(1, keystone.Count(ProxyOutcome.Reset));   // asked once, not in a loop
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");   // default auth-timeout is 30 s
        Report($"keystone down: exit {r.ExitCode} after {elapsed.TotalSeconds:F1} s, {keystone.Requests} token request(s): {FirstLine(r.Error)}");
    }

    [Fact]
    public async Task Keystone_stalled_at_start_the_upload_command_gives_up_at_the_configured_auth_timeout()
    {
        var keystone = Proxy(KeystoneRoot, _ => FaultAction.Hold);   // accepts, never answers
        var root = SmallFiles(3);
        var config = Path.Combine(TempDir(), "short.conf");
        await File.WriteAllTextAsync(config, "openstack.session.auth-timeout = 3s\n");
        var clock = Clock();

        var r = await CliRunner.RunAsync(CliEnvironment(keystone), "--config", config, "upload", root, Container("ksstall"));

        var elapsed = clock.Elapsed;
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("timed out after 3 s", r.Error);
        Assert.Contains("auth/tokens", r.Error);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10));
        Assert.Equal(1, keystone.Requests);
        Report($"keystone stalled: exit {r.ExitCode} after {elapsed.TotalSeconds:F1} s (auth-timeout 3 s): {FirstLine(r.Error)}");
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";

    [Fact]
    public async Task Keystone_failing_under_load_gets_one_token_request_at_a_time_at_most_one_per_min_interval()
    {
        var failures = 0;
        var keystone = Proxy(KeystoneRoot, r => IsTokenRequest(r) && Interlocked.Increment(ref failures) <= 2 ? FaultAction.Rst : FaultAction.Pass);
        var session = Session(authenticator: DemoVia(keystone));
        var client = new ObjectStoreClient(session);
        var clock = Clock();

        // 40 callers at once, each needing a token, while the first two token requests fail.
        var calls = Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                await client.GetAccountAsync();
                return null;
            }
            catch (OpenStackException e)
            {
                return e;
            }
        }).ToList();
        var outcomes = await Task.WhenAll(calls);

        var tokenRequests = keystone.Arrivals.Where(IsTokenRequest).OrderBy(r => r.Seq).ToList();
        Assert.Equal(1, keystone.MaxInFlight);   // never two token requests at once
        var gaps = tokenRequests.Zip(tokenRequests.Skip(1), (a, b) => b.ArrivedAt - a.ArrivedAt).ToList();
        Assert.All(gaps, g => Assert.True(g >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(50), $"token requests {g.TotalMilliseconds:F0} ms apart"));
        Assert.InRange(tokenRequests.Count, 3, 4);   // two failed, one succeeded (one more at most if a retry raced the backoff)
        // Every caller got an answer: the account, or the outage's typed error when its retries ran out first.
        Assert.All(outcomes, e => Assert.True(e is null or ConnectionFailedException, e?.ToString()));
        await client.GetAccountAsync();   // and the session works now that Keystone does
        Report($"keystone flapping: 40 callers, {tokenRequests.Count} token requests (max 1 in flight, gaps {string.Join(", ", gaps.Select(g => $"{g.TotalSeconds:F1} s"))}), " +
               $"{outcomes.Count(o => o is null)} succeeded, {outcomes.Count(o => o is not null)} got ConnectionFailedException, {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Malformed_token_bodies_and_a_catalog_without_object_store_give_clear_errors_and_each_next_call_asks_keystone_again()
    {
        var bodies = 0;
        var keystone = Proxy(KeystoneRoot, r => !IsTokenRequest(r) ? FaultAction.Pass : Interlocked.Increment(ref bodies) switch
        {
            1 => new FaultAction.Forward { RewriteResponseBody = b => b[..(b.Length / 2)] },                    // cut-off JSON
            2 => new FaultAction.Forward { RewriteResponseBody = b => Edit(b, t => t["catalog"] = new JsonObject { ["object-store"] = "here" }) },
            3 => new FaultAction.Forward { RewriteResponseBody = b => Edit(b, t => RemoveService(t, "object-store")) },
            _ => FaultAction.Pass,
        });
        // No outage backoff, so the next call asks Keystone again (after token.min-interval, which stays) instead of getting the error from memory.
        var session = Session(Settings(s => s with { AuthOutageMinBackoff = TimeSpan.Zero }), DemoVia(keystone));
        var client = new ObjectStoreClient(session);
        var root = SmallFiles(2);

        var cut = await Assert.ThrowsAnyAsync<OpenStackException>(() => client.GetAccountAsync());
        Assert.StartsWith("Malformed Keystone token body", cut.Message);
        var notArray = await Assert.ThrowsAnyAsync<OpenStackException>(() => client.GetAccountAsync());
        Assert.Equal("Malformed service catalog: expected a JSON array, got Object", notArray.Message);
        var missing = await Assert.ThrowsAsync<EndpointNotFoundException>(() => new BatchUploader(client, Sys).StartAsync(new UploadJob(root, Container("nocatalog"))));
        Assert.Contains("service type 'object-store'", missing.Message);
        Assert.Contains(missing.Available, a => a.Contains("identity", StringComparison.Ordinal));
        Assert.DoesNotContain(missing.Available, a => a.Contains("object-store", StringComparison.Ordinal));

        // Each call above got the next body, so a malformed answer is not kept; with a good one, the same Keystone serves a session.
        var healthy = new ObjectStoreClient(Session(authenticator: DemoVia(keystone)));
        await healthy.GetAccountAsync();
        var all = cut.Message + notArray.Message + missing.Message;
        Assert.DoesNotContain((await healthy.Session.GetAccessAsync()).Token.Value, all);
        Report($"catalog: cut-off JSON -> {cut.GetType().Name}: {cut.Message[..Math.Min(80, cut.Message.Length)]}; catalog not an array -> {notArray.GetType().Name}: {notArray.Message}; " +
               $"no object-store -> {missing.GetType().Name} listing {missing.Available.Count} endpoints");
    }

    private static byte[] Edit(byte[] body, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(body)!.AsObject();
        edit(root["token"]!.AsObject());
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void RemoveService(JsonObject token, string type)
    {
        var catalog = token["catalog"]!.AsArray();
        foreach (var s in catalog.Where(s => (string?)s!["type"] == type).ToList()) catalog.Remove(s);
    }
}
