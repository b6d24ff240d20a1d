using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Cluster;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.Cluster;

/// <summary>A node's upload worker between the offer and its registration, with probes as its session and coordinator
/// (a one-node cluster provider, no cloud): the session never answers, so the worker stays in preparation.</summary>
public sealed class UploadWorkerTests() : TestKit(ClusterUpload.NodeConfig("127.0.0.1", 0).WithFallback(ClusterUpload.DefaultConfig()))
{
    private readonly ClusterUploadJob _job = new("run-1", "/data", "c", 1L << 30, SkipMode.Md5, true);

    private (IActorRef Worker, Akka.TestKit.TestProbe Coordinator, Task<(string RunId, bool Completed, WorkerStatus Status)> Ended) StartPreparing()
    {
        var session = CreateTestProbe();
        var ended = new TaskCompletionSource<(string, bool, WorkerStatus)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new ObjectStoreClient(new OpenStackSession(session.Ref, SessionSettings.Default));
        var worker = Sys.ActorOf(UploadWorkerActor.Props(client, new ClusterWorkerOptions
        {
            OnRunEnded = (id, completed, status) => ended.TrySetResult((id, completed, status)),
        }));
        var coordinator = CreateTestProbe();
        coordinator.Send(worker, new WorkAvailable(_job));
        // The worker asks its own session (for the endpoint of /info, the cluster's limits) first; no answer keeps it preparing.
        session.ExpectMsg<OpenStack.Actors.Auth.GetAccess>();
        return (worker, coordinator, ended.Task);
    }

    [Fact]
    public async Task A_run_that_finishes_while_the_worker_prepares_ends_for_it_too_without_registering()
    {
        var (worker, coordinator, ended) = StartPreparing();
        worker.Tell(new RunFinished(_job.RunId, false), coordinator.Ref);
        var (runId, completed, status) = await ended.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("run-1", runId);
        Assert.True(completed);
        Assert.Equal(1, status.RunsFinished);
        Assert.Equal(0, status.Uploaded);
        // A late offer of the same run is not taken up again.
        coordinator.Send(worker, new WorkAvailable(_job));
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task The_end_of_a_run_whose_offer_never_arrived_ends_it_for_the_worker_once()
    {
        var runs = new List<string>();
        var ended = new TaskCompletionSource<WorkerStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new ObjectStoreClient(new OpenStackSession(CreateTestProbe().Ref, SessionSettings.Default));
        var worker = Sys.ActorOf(UploadWorkerActor.Props(client, new ClusterWorkerOptions
        {
            OnRunEnded = (id, completed, status) =>
            {
                lock (runs) runs.Add($"{id} {completed}");
                ended.TrySetResult(status);
            },
        }));
        var coordinator = CreateTestProbe();
        coordinator.Send(worker, new RunFinished(_job.RunId, false));
        coordinator.Send(worker, new RunFinished(_job.RunId, false));   // the direct answer and the broadcast
        var status = await ended.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((1, 0L), (status.RunsFinished, status.Uploaded));
        // The worker answers in order: once it reports its status, both ends have been handled.
        worker.Tell(GetWorkerStatus.Instance, TestActor);
        Assert.Equal(1, (await ExpectMsgAsync<WorkerStatus>()).RunsFinished);
        lock (runs) Assert.Equal(["run-1 True"], runs);
    }

    [Fact]
    public async Task A_coordinator_that_is_gone_before_the_worker_is_ready_ends_the_run_as_not_completed()
    {
        var (_, coordinator, ended) = StartPreparing();
        Sys.Stop(coordinator.Ref);
        var (runId, completed, _) = await ended.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("run-1", runId);
        Assert.False(completed);
    }
}
