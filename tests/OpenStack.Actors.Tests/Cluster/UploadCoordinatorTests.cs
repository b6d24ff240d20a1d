using System.Collections.Immutable;
using Akka.Actor;
using Akka.Streams.Dsl;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Cluster;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.Cluster;

/// <summary>The coordinator's bookkeeping with probes as workers (no cluster, no cloud).</summary>
public sealed class UploadCoordinatorTests : TestKit
{
    private const string Root = "/data";

    private sealed record Started(IActorRef Coordinator, TaskCompletionSource<ClusterUploadSummary> Done, TransferProgress Progress, TestProbe Announce,
        ClusterUploadJob Job, List<FileResult> Results);

    private Started Start(IEnumerable<LocalEntry> entries, int walkBuffer = 256, TimeSpan? unseenTimeout = null)
    {
        var job = new ClusterUploadJob("run-1", Root, "c", 1L << 30, SkipMode.Md5, true);
        var done = new TaskCompletionSource<ClusterUploadSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tally = new TransferTally(10);
        var progress = tally.Progress;
        var announce = CreateTestProbe();
        var results = new List<FileResult>();
        var setup = new CoordinatorSetup(job, Source.From(entries), tally, r =>
        {
            lock (results) results.Add(r);
        }, done, () => false, TimeSpan.FromMilliseconds(200), walkBuffer, announce.Ref) { UnseenAssignmentTimeout = unseenTimeout ?? TimeSpan.FromSeconds(30) };
        var coordinator = Sys.ActorOf(UploadCoordinatorActor.Props(setup));
        return new Started(coordinator, done, progress, announce, job, results);
    }

    private static IEnumerable<LocalEntry> Files(int n) =>
        Enumerable.Range(1, n).Select(i => (LocalEntry)new LocalFile($"{Root}/d/f{i}.txt", $"d/f{i}.txt", i, DateTime.UnixEpoch));

    private static FileOutcome Uploaded(long bytes) => new(FileStatus.Uploaded, bytes, "etag", 0, 0, null, null, TimeSpan.FromMilliseconds(1));

    private static TestProbe Register(TestKitBase kit, Started s, int capacity, string node)
    {
        var worker = kit.CreateTestProbe();
        worker.Send(s.Coordinator, new RegisterWorker(s.Job.RunId, capacity, node));
        worker.ExpectMsg<WorkerRegistered>();
        return worker;
    }

    private static void Finish(TestProbe worker, Started s, AssignWork work)
    {
        foreach (var item in work.Items) worker.Send(s.Coordinator, new WorkDone(s.Job.RunId, item.Id, Uploaded(item.Length)));
    }

    [Fact]
    public async Task The_run_is_offered_and_workers_get_at_most_their_capacity_and_more_only_as_they_finish()
    {
        var s = Start(Files(10));
        s.Announce.ExpectMsg<WorkAvailable>(m => Assert.Equal("run-1", m.Job.RunId));
        var a = Register(this, s, 3, "node-a");
        var b = Register(this, s, 2, "node-b");

        var held = new Dictionary<TestProbe, List<WorkItem>> { [a] = new(), [b] = new() };
        // a may be served before b registers: collect until each holds its capacity.
        while (held[a].Count < 3) held[a].AddRange(a.ExpectMsg<AssignWork>().Items);
        while (held[b].Count < 2) held[b].AddRange(b.ExpectMsg<AssignWork>().Items);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        // Finishing one file frees one place.
        a.Send(s.Coordinator, new WorkDone("run-1", held[a][0].Id, Uploaded(held[a][0].Length)));
        var next = a.ExpectMsg<AssignWork>();
        Assert.Single(next.Items);
        Finish(a, s, next);

        // Then everything is done by whoever asks.
        var seen = new HashSet<long>(held[a].Concat(held[b]).Concat(next.Items).Select(i => i.Id));
        foreach (var i in held[a].Skip(1).Concat(held[b]))
            (held[a].Contains(i) ? a : b).Send(s.Coordinator, new WorkDone("run-1", i.Id, Uploaded(i.Length)));
        var finished = new HashSet<TestProbe>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (finished.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the run did not finish");
            foreach (var p in new[] { a, b })
            {
                switch (p.ReceiveOne(TimeSpan.FromMilliseconds(100)))
                {
                    case AssignWork w:
                        foreach (var i in w.Items) Assert.True(seen.Add(i.Id), $"file {i.Id} handed out twice");
                        Finish(p, s, w);
                        break;
                    case RunFinished:
                        finished.Add(p);
                        break;
                }
            }
        }
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(10, summary.Summary.Transferred);
        Assert.Equal(55, summary.Summary.TransferredBytes);
        Assert.Equal(10, summary.Nodes.Sum(n => n.Files));
        Assert.Equal(0, summary.Reassigned);
        Assert.Equal(10, s.Results.Count);
        // The end is also announced to every node's worker: one still preparing for the run stops waiting for it.
        s.Announce.FishForMessage(m => m is RunFinished { RunId: "run-1", Interrupted: false }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_worker_that_dies_has_its_files_handed_to_another_and_its_late_result_is_not_counted_twice()
    {
        var s = Start(Files(4));
        var doomed = Register(this, s, 2, "node-doomed");
        var held = new List<WorkItem>();
        while (held.Count < 2) held.AddRange(doomed.ExpectMsg<AssignWork>().Items);
        doomed.ExpectNoMsg(TimeSpan.FromMilliseconds(100));   // full

        // One result got through before the node died; the others are handed out again.
        doomed.Send(s.Coordinator, new WorkDone("run-1", held[0].Id, Uploaded(held[0].Length)));
        var rescuer = Register(this, s, 10, "node-rescuer");
        var got = new List<WorkItem>();
        Watch(doomed.Ref);
        Sys.Stop(doomed.Ref);
        ExpectTerminated(doomed.Ref);
        while (got.Count < 3) got.AddRange(rescuer.ExpectMsg<AssignWork>().Items);
        Assert.DoesNotContain(got, i => i.Id == held[0].Id);
        Assert.Contains(got, i => i.Id == held[1].Id);
        Finish(rescuer, s, new AssignWork("run-1", 0, got.ToImmutableArray()));

        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, summary.Summary.Transferred);
        Assert.True(summary.Reassigned >= 1);
        Assert.Equal(1, summary.Nodes.Single(n => n.Node == "node-doomed").Uploaded);
        Assert.Equal(3, summary.Nodes.Single(n => n.Node == "node-rescuer").Uploaded);
    }

    [Fact]
    public async Task The_first_result_counts_and_a_duplicate_from_another_worker_is_ignored()
    {
        var s = Start(Files(1));
        var a = Register(this, s, 1, "a");
        var item = a.ExpectMsg<AssignWork>().Items.Single();
        // a returns it (its session restarted), b takes it, then a's late success arrives: it counts, b's result is the duplicate.
        a.Send(s.Coordinator, new WorkReturned("run-1", [item.Id]));
        var b = Register(this, s, 1, "b");
        var again = (a.ReceiveOne(TimeSpan.FromMilliseconds(300)) as AssignWork ?? b.ExpectMsg<AssignWork>()).Items.Single();
        Assert.Equal(item.Id, again.Id);
        a.Send(s.Coordinator, new WorkDone("run-1", item.Id, Uploaded(1)));
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        b.Send(s.Coordinator, new WorkDone("run-1", item.Id, Uploaded(1)));
        Assert.Equal(1, summary.Summary.Transferred);
        Assert.Equal(1, summary.Reassigned);
        Assert.Single(s.Results);
    }

    [Fact]
    public async Task A_file_the_worker_never_received_is_handed_out_again_after_its_heartbeat()
    {
        var s = Start(Files(2));
        var a = Register(this, s, 2, "a");
        var items = new List<WorkItem>();
        long seq = 0;
        while (items.Count < 2)
        {
            var w = a.ExpectMsg<AssignWork>();
            items.AddRange(w.Items);
            seq = w.Seq;
        }
        // The worker has seen every assignment but holds only the first: the second was lost on the way.
        a.Send(s.Coordinator, new WorkerHeartbeat("run-1", seq, [items[0].Id], 1234));
        var again = a.ExpectMsg<AssignWork>().Items.Single();
        Assert.Equal(items[1].Id, again.Id);
        Assert.Equal(1234, s.Progress.Snapshot().BytesSent);
        a.Send(s.Coordinator, new WorkDone("run-1", items[0].Id, Uploaded(1)));
        a.Send(s.Coordinator, new WorkDone("run-1", items[1].Id, Uploaded(2)));
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, summary.Summary.Transferred);
        Assert.Equal(1, summary.Reassigned);
    }

    [Fact]
    public async Task The_last_assignment_lost_on_the_way_is_handed_out_again_once_it_is_overdue()
    {
        var s = Start(Files(1), unseenTimeout: TimeSpan.FromMilliseconds(300));
        var a = Register(this, s, 1, "a");
        var item = a.ExpectMsg<AssignWork>().Items.Single();
        // The worker never got it (LastSeq 0) and holds nothing; too early to call it lost...
        a.Send(s.Coordinator, new WorkerHeartbeat("run-1", 0, [], 0));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // ...then overdue: handed out again.
        await Task.Delay(400);
        a.Send(s.Coordinator, new WorkerHeartbeat("run-1", 0, [], 0));
        Assert.Equal(item.Id, a.ExpectMsg<AssignWork>().Items.Single().Id);
        a.Send(s.Coordinator, new WorkDone("run-1", item.Id, Uploaded(1)));
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, summary.Reassigned);
    }

    [Fact]
    public async Task A_worker_that_refuses_its_files_is_dropped_and_the_files_go_to_others()
    {
        var s = Start(Files(3));
        var a = Register(this, s, 3, "a");
        var items = new List<WorkItem>();
        while (items.Count < 3) items.AddRange(a.ExpectMsg<AssignWork>().Items);
        a.Send(s.Coordinator, new WorkRefused("run-1", items.Select(i => i.Id).ToImmutableArray()));
        var b = Register(this, s, 3, "b");
        var got = new List<WorkItem>();
        while (got.Count < 3) got.AddRange(b.ExpectMsg<AssignWork>().Items);
        Finish(b, s, new AssignWork("run-1", 0, got.ToImmutableArray()));
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, summary.Nodes.Single().Uploaded);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));   // dropped: no RunFinished either
    }

    [Fact]
    public async Task The_walk_waits_while_the_queue_is_full_and_the_walks_findings_are_reported_without_workers()
    {
        var produced = 0;
        IEnumerable<LocalEntry> Walk()
        {
            yield return new LocalProblem($"{Root}/locked", "locked", "cannot list the directory: denied");
            foreach (var f in Files(100))
            {
                Interlocked.Increment(ref produced);
                yield return f;
            }
        }
        var s = Start(Walk(), walkBuffer: 5);
        await Task.Delay(500);
        Assert.InRange(Volatile.Read(ref produced), 5, 5 + 16 + 2);   // the queue, plus the sink stage's input buffer (16)
        Assert.Equal(1, s.Progress.Snapshot().Failed);

        var a = Register(this, s, 100, "a");
        var got = 0;
        while (got < 100)
        {
            var w = a.ExpectMsg<AssignWork>();
            got += w.Items.Length;
            Finish(a, s, w);
        }
        var summary = await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(100, summary.Summary.Transferred);
        Assert.Equal(1, summary.Summary.Failed);
        Assert.Equal(101, summary.Nodes.Sum(n => n.Files));
        Assert.Equal(1, summary.Nodes.Single(n => n.Node == "walk").Failed);
    }

    [Fact]
    public void The_wire_messages_survive_the_default_serializer()
    {
        var job = new ClusterUploadJob("r", "/shared/data", "backups", 1L << 20, SkipMode.Changed, false);
        object[] messages =
        [
            new WorkAvailable(job),
            new RegisterWorker("r", 16, "akka.tcp://openstack-actors@127.0.0.1:4053"),
            new WorkerRegistered("r"),
            new AssignWork("r", 7, [new WorkItem(1, "a b/c+&=.txt", "pre/a b/c+&=.txt", 12, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))]),
            new WorkDone("r", 1, new FileOutcome(FileStatus.Uploaded, 12, "abc", 2, 1, null, "warn", TimeSpan.FromMilliseconds(15))),
            new WorkReturned("r", [1, 2]),
            new WorkRefused("r", [3]),
            new WorkerHeartbeat("r", 7, [1, 2, 3], 4096),
            new RunFinished("r", true),
        ];
        foreach (var m in messages)
        {
            var serializer = Sys.Serialization.FindSerializerFor(m);
            var bytes = serializer.ToBinary(m);
            var back = serializer.FromBinary(bytes, m.GetType());
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(m, m.GetType()), System.Text.Json.JsonSerializer.Serialize(back, m.GetType()));
        }
    }
}
