using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Routing;
using Akka.Event;
using Akka.Routing;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Cluster;

/// <summary>What the coordinator needs besides the job.</summary>
internal sealed record CoordinatorSetup(
    ClusterUploadJob Job,
    Source<LocalEntry, NotUsed> Walk,
    TransferTally Tally,
    Action<FileResult>? OnResult,
    TaskCompletionSource<ClusterUploadSummary> Completion,
    Func<bool> StopRequested,
    TimeSpan AnnounceInterval,
    int WalkBuffer,
    IActorRef? AnnounceTo = null)
{
    /// <summary>An assignment a worker's heartbeat still does not acknowledge after this long was lost on the way.</summary>
    public TimeSpan UnseenAssignmentTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Local: give up the files in flight (second Ctrl-C); they are reported failed and the run ends.</summary>
internal sealed record AbandonRun
{
    internal static readonly AbandonRun Instance = new();
}
