using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using OpenStack.Actors.Cluster;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;
using static OpenStack.Actors.Tests.Integration.ObjectStoreTestSupport;

namespace OpenStack.Actors.Tests.Cluster;

/// <summary>
/// Cluster uploads against the real local Swift: three ActorSystems in this process, each a cluster node on its own
/// loopback port with its own session (its own Keystone token from clouds.yaml). A node is killed mid-run as a crash
/// looks from outside: the network to it is cut first (Akka.Remote's throttle adapter, blackhole both ways) so not even
/// the DeathWatch notifications of its stopping actors get out, then its ActorSystem is terminated without leaving the
/// cluster. The others only see it go silent: the failure detector marks it unreachable and the split-brain resolver
/// (keep-majority, stable-after 2 s in this test instead of 7 s) downs it.
/// </summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ClusterUploadIntegrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<Node> _nodes = new();
    private readonly List<string> _dirs = new();
    private readonly List<string> _containers = new();

    /// <summary>Fast downing for the test, on loopback. The failure detector keeps Akka's defaults (heartbeat 1 s, acceptable
    /// pause 3 s): on this shared 2-core machine heartbeats are often 1.4 s late, and a tighter detector downs healthy nodes.</summary>
    private const string TestConfig = """
        akka.loglevel = WARNING
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.split-brain-resolver.down-all-when-unstable = off
        openstack.cluster-upload.announce-interval = 500ms
        openstack.cluster-upload.heartbeat-interval = 1s
        """;

    private sealed record Node(string Name, ActorSystem System, ObjectStoreClient Client, IActorRef Worker)
    {
        public async Task<WorkerStatus> StatusAsync() => await Worker.Ask<WorkerStatus>(GetWorkerStatus.Instance, TimeSpan.FromSeconds(10));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_nodes.Count > 0)
        {
            var client = _nodes[0].Client;
            foreach (var c in _containers)
            {
                try
                {
                    await BulkDeleteAsync(client, c);
                }
                catch (Exception e)
                {
                    output.WriteLine($"cleanup of {c}: {e.Message}");
                }
            }
        }
        await Task.WhenAll(_nodes.Select(n => n.System.Terminate()));
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    private static RemoteTransport Transport(ActorSystem system) => ((IRemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Transport;

    /// <summary>Cuts the network between <paramref name="victim"/> and every other node, both ways.</summary>
    private async Task CutOffAsync(Node victim)
    {
        var victimAddress = Akka.Cluster.Cluster.Get(victim.System).SelfAddress;
        foreach (var other in _nodes.Where(n => n != victim))
        {
            var otherAddress = Akka.Cluster.Cluster.Get(other.System).SelfAddress;
            await Transport(other.System).ManagementCommand(new SetThrottle(victimAddress, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance));
            await Transport(victim.System).ManagementCommand(new SetThrottle(otherAddress, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance));
        }
    }

    /// <summary>A node: its own ActorSystem, session (own token) and upload worker; the first one starts the cluster.
    /// <paramref name="killable"/>: Terminate() does not leave the cluster.</summary>
    private async Task<Node> StartNodeAsync(string name, int transfers, bool killable = false)
    {
        var seeds = _nodes.Count == 0 ? [] : new[] { Akka.Cluster.Cluster.Get(_nodes[0].System).SelfAddress.ToString() };
        var config = ClusterUpload.NodeConfig("127.0.0.1", 0, seeds)
            .WithFallback(killable
                ? ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off")
                : Akka.Configuration.Config.Empty)
            .WithFallback(ConfigurationFactory.ParseString(TestConfig))
            .WithFallback(ClusterUpload.DefaultConfig());
        var system = ActorSystem.Create(ClusterUpload.SystemName, config);
        var client = Client(system, ObjectStoreSettings.Default with { Transfers = transfers });
        var worker = ClusterUpload.StartWorker(system, client);
        var node = new Node(name, system, client, worker);
        _nodes.Add(node);
        await ClusterUpload.JoinAsync(system).WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    private static async Task WaitForUpMembersAsync(ActorSystem system, int count)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var deadline = Stopwatch.StartNew();
        while (cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < count)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"fewer than {count} members Up");
            await Task.Delay(100);
        }
    }

    private (string Root, int Files) ManySmallFiles(int count)
    {
        var root = Directory.CreateTempSubdirectory("os-cluster-").FullName;
        _dirs.Add(root);
        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(root, $"batch {i / 100:D2}", i % 3 == 0 ? "sub+&=" : "");
            Directory.CreateDirectory(dir);
            var bytes = new byte[200 + random.Next(1000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(dir, $"file {i:D4}.bin"), bytes);
        }
        return (root, count);
    }

    private string Container(string what)
    {
        var c = NewContainer(what);
        _containers.Add(c);
        return c;
    }

    /// <summary>Every file is stored exactly once, under its relative path, with its MD5; nothing else is in the container.</summary>
    private static async Task AssertStoredOnceAsync(ObjectStoreClient client, string container, string root)
    {
        var expected = Hashes(root);
        var listed = new List<ObjectEntry>();
        await foreach (var e in client.ListObjectsAsync(container)) listed.Add(e);
        Assert.Equal(listed.Count, listed.Select(e => e.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected.Keys, listed.Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var e in listed) Assert.Equal(expected[e.Name], e.Hash);
    }

    /// <summary>Swift's bulk delete: one request for up to 10,000 objects instead of one each (the dev Swift does ~25 requests/s).</summary>
    private static async Task BulkDeleteAsync(ObjectStoreClient client, string container)
    {
        foreach (var c in new[] { container, SwiftNames.SegmentContainer(container) })
        {
            var names = new List<string>();
            try
            {
                await foreach (var e in client.ListObjectsAsync(c)) names.Add(e.Name);
            }
            catch (HttpErrorException e) when (e.Status == HttpStatusCode.NotFound)
            {
                continue;
            }
            foreach (var chunk in names.Chunk(10_000))
            {
                var body = string.Join("\n", chunk.Select(n => "/" + SwiftNames.ObjectPath(c, n)));
                await client.Session.PostAsync("?bulk-delete", RequestBody.FromText(body, "text/plain"), client.Service,
                    headers: new Dictionary<string, string> { ["Accept"] = "application/json" });
            }
            await client.DeleteContainerAsync(c);
        }
    }

    private void Print(string what, ClusterUploadSummary s, TimeSpan elapsed)
    {
        output.WriteLine($"{what}: {elapsed.TotalSeconds:0.0} s; uploaded {s.Summary.Transferred}, skipped {s.Summary.Skipped}, failed {s.Summary.Failed}, " +
            $"handed out again {s.Reassigned}, duplicate results {s.DuplicateResults}");
        foreach (var n in s.Nodes) output.WriteLine($"  {n.Node}: uploaded {n.Uploaded}, skipped {n.Skipped}, failed {n.Failed}");
        foreach (var f in s.Summary.Failures) output.WriteLine($"  failed {f.ObjectName}: {f.Reason}");
    }

    [Fact]
    public async Task A_three_node_upload_with_one_node_killed_halfway_stores_every_file_once_with_its_md5_and_the_summary_adds_up()
    {
        const int files = 1000;
        var (root, _) = ManySmallFiles(files);
        var container = Container("cluster-kill");
        var a = await StartNodeAsync("a", transfers: 8);
        var b = await StartNodeAsync("b", transfers: 8, killable: true);
        var c = await StartNodeAsync("c", transfers: 8);
        await WaitForUpMembersAsync(a.System, 3);

        var clock = Stopwatch.StartNew();
        // No skip check: one request per file instead of two (HEAD, PUT), as the dev Swift is slow. A file b stored before
        // it died is simply stored again by a survivor, with the same bytes: still one object.
        var run = await ClusterUpload.StartAsync(a.System, a.Client, new UploadJob(root, container) { Settings = a.Client.Settings with { Skip = SkipMode.None } });

        // Halfway (and once b has done its share of work), b dies without a word.
        while (run.Run.Progress.Snapshot().FilesDone < files / 2 || (await b.StatusAsync()).Uploaded == 0)
        {
            Assert.False(run.Completion.IsCompleted, "the run ended before the node could be killed");
            await Task.Delay(100);
        }
        var beforeKill = await b.StatusAsync();
        var killedAt = clock.Elapsed;
        output.WriteLine($"killing b at {killedAt.TotalSeconds:0.0} s: {run.Run.Progress.Snapshot().FilesDone} files done, b holds {beforeKill.InFlight}, b uploaded {beforeKill.Uploaded}");
        await CutOffAsync(b);
        await b.System.Terminate();

        var summary = await run.Completion.WaitAsync(TimeSpan.FromSeconds(150));
        Print("3 nodes, b killed", summary, clock.Elapsed);
        output.WriteLine($"after the kill: {(clock.Elapsed - killedAt).TotalSeconds:0.0} s");

        Assert.True(summary.Summary.Success, string.Join("; ", summary.Summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
        Assert.Equal(files, summary.Summary.Transferred + summary.Summary.Skipped);
        Assert.Equal(files, summary.Nodes.Sum(n => n.Files));
        Assert.Equal(summary.Summary.Transferred, summary.Nodes.Sum(n => n.Uploaded));
        Assert.Equal(3, summary.Nodes.Count);
        Assert.All(summary.Nodes, n => Assert.True(n.Files > 0, $"{n.Node} did no work"));
        Assert.True(summary.Reassigned > 0, "b's unfinished files were not handed out again");
        var survivors = new[] { a, c }.Select(n => Akka.Cluster.Cluster.Get(n.System).SelfAddress.ToString()).ToHashSet();
        var killed = summary.Nodes.Single(n => !survivors.Contains(n.Node));
        Assert.True(killed.Files >= beforeKill.Uploaded + beforeKill.Skipped, "results b reported before it died are counted as b's");

        await AssertStoredOnceAsync(a.Client, container, root);
    }

    [Fact]
    public async Task A_node_joining_mid_run_takes_a_share_of_the_remaining_files()
    {
        const int files = 300;
        var (root, _) = ManySmallFiles(files);
        var container = Container("cluster-join");
        var a = await StartNodeAsync("a", transfers: 4);
        var b = await StartNodeAsync("b", transfers: 4);
        await WaitForUpMembersAsync(a.System, 2);

        var clock = Stopwatch.StartNew();
        var run = await ClusterUpload.StartAsync(a.System, a.Client, new UploadJob(root, container) { Prefix = "joined" });
        while (run.Run.Progress.Snapshot().FilesDone < files / 8) await Task.Delay(100);
        output.WriteLine($"c joins at {clock.Elapsed.TotalSeconds:0.0} s with {run.Run.Progress.Snapshot().FilesDone} files done");
        var c = await StartNodeAsync("c", transfers: 4);

        var summary = await run.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        Print("2 nodes, then 3", summary, clock.Elapsed);
        Assert.True(summary.Summary.Success, string.Join("; ", summary.Summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
        Assert.Equal(files, summary.Summary.Transferred);
        Assert.Equal(files, summary.Nodes.Sum(n => n.Files));
        var joined = Akka.Cluster.Cluster.Get(c.System).SelfAddress.ToString();
        Assert.True(summary.Nodes.SingleOrDefault(n => n.Node == joined)?.Uploaded > 0, "the node that joined mid-run got no files");
        Assert.True((await c.StatusAsync()).Uploaded > 0);
        Assert.Equal(0, summary.Reassigned);

        var listed = new List<ObjectEntry>();
        await foreach (var e in a.Client.ListObjectsAsync(container)) listed.Add(e);
        Assert.Equal(files, listed.Count);
        Assert.All(listed, e => Assert.StartsWith("joined/", e.Name));
        var expected = Hashes(root);
        Assert.All(listed, e => Assert.Equal(expected[e.Name["joined/".Length..]], e.Hash));
        _ = b;
    }

    [Fact]
    public async Task A_cluster_upload_hands_out_only_the_files_its_filter_selects()
    {
        var (root, _) = ManySmallFiles(120);
        var container = Container("cluster-filter");
        var a = await StartNodeAsync("a", transfers: 4);
        await StartNodeAsync("b", transfers: 4);
        await WaitForUpMembersAsync(a.System, 2);
        var filter = TransferFilter.Create(new TransferFilterOptions { Rules = FilterFile.Parse("- sub+&=/\n+ /batch 00/**\n- **", "rules") });
        var expected = Hashes(root).Where(f => f.Key.StartsWith("batch 00/", StringComparison.Ordinal) && !f.Key.Contains("/sub+&=/", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => f.Value);

        var run = await ClusterUpload.StartAsync(a.System, a.Client, new UploadJob(root, container) { Filter = filter });
        var summary = await run.Completion.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(summary.Summary.Success, string.Join("; ", summary.Summary.Failures.Select(f => $"{f.ObjectName}: {f.Reason}")));
        Assert.Equal(66, expected.Count);
        Assert.Equal(expected.Count, summary.Summary.Transferred);
        var listed = new List<ObjectEntry>();
        await foreach (var e in a.Client.ListObjectsAsync(container)) listed.Add(e);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), listed.Select(e => e.Name));
        Assert.All(listed, e => Assert.Equal(expected[e.Name], e.Hash));
    }
}
