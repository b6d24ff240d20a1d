using System.Collections.Immutable;
using Akka.Actor;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.Cluster;

// The messages of a cluster upload. Those that cross the wire carry paths, object names, sizes and options: never a
// token, a password or a clouds.yaml entry (each node authenticates with its own).
//
//   coordinator --WorkAvailable--> every upload worker (cluster-aware broadcast group, repeated: late joiners hear it)
//   worker --RegisterWorker--> coordinator           reply: WorkerRegistered, or RunFinished when the run is over
//   coordinator --AssignWork--> worker               reply: per item WorkDone (or WorkReturned: not the file's fault);
//                                                    WorkRefused for all of them if it does not serve the run
//   worker --WorkerHeartbeat--> coordinator          (periodic; no reply: the coordinator reconciles what it thinks the worker holds)
//   coordinator --RunFinished--> workers             at the end (also the reply to a late RegisterWorker)

/// <summary>What a cluster run uploads where, as every node needs to know it. Sent to workers, so it holds no secret.</summary>
/// <param name="RunId">Identifies the run (messages of other runs are ignored).</param>
/// <param name="SourceRoot">The walked directory, as the coordinator sees it (a path shared by all nodes; a worker may map it elsewhere).</param>
/// <param name="Container">The container (created by the coordinator).</param>
/// <param name="SegmentSize">Files above this become Static Large Objects.</param>
/// <param name="Skip">What is skipped when stored already.</param>
/// <param name="CleanupSegments">Whether replaced segments are deleted.</param>
public sealed record ClusterUploadJob(string RunId, string SourceRoot, string Container, long SegmentSize, SkipMode Skip, bool CleanupSegments);

/// <summary>One file to upload: its path below the source root and the object it becomes.</summary>
/// <param name="Id">The run's number for this file (results are matched by it).</param>
/// <param name="RelativePath">The path below the source root, with <c>/</c>.</param>
/// <param name="ObjectName">The object name (prefix included).</param>
/// <param name="Length">Its size when the walk found it.</param>
/// <param name="LastWriteTimeUtc">Its modification time when the walk found it.</param>
public sealed record WorkItem(long Id, string RelativePath, string ObjectName, long Length, DateTime LastWriteTimeUtc);

/// <summary>Coordinator to every upload worker: a run wants workers. Sent again every announce interval.</summary>
public sealed record WorkAvailable(ClusterUploadJob Job);

/// <summary>Worker to coordinator: ready for <paramref name="Capacity"/> files at once of run <paramref name="RunId"/>.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Capacity">Files it takes at once (its parallel transfers).</param>
/// <param name="Node">Its node's address (for the per-node summary).</param>
public sealed record RegisterWorker(string RunId, int Capacity, string Node);

/// <summary>Coordinator to worker: registered; files follow.</summary>
public sealed record WorkerRegistered(string RunId);

/// <summary>Coordinator to worker: upload these. <paramref name="Seq"/> grows by one per message to a worker.</summary>
public sealed record AssignWork(string RunId, long Seq, ImmutableArray<WorkItem> Items);

/// <summary>Worker to coordinator: the reply to an <see cref="AssignWork"/> of a run the worker does not serve (it left
/// the run or restarted); the coordinator hands the files to others and forgets the worker.</summary>
public sealed record WorkRefused(string RunId, ImmutableArray<long> ItemIds);

/// <summary>Worker to coordinator: files it could not finish for a reason of its own (its session stopped or restarted,
/// its node is shutting down), not because of the file: the coordinator hands them out again and keeps the worker.</summary>
public sealed record WorkReturned(string RunId, ImmutableArray<long> ItemIds);

/// <summary>How one file ended on a worker (a <see cref="FileResult"/> without the local exception object).</summary>
/// <param name="Status">Uploaded, skipped or failed (a worker reports nothing else).</param>
/// <param name="Bytes">The size.</param>
/// <param name="ETag">The stored ETag (uploaded).</param>
/// <param name="Segments">SLO segments (uploaded).</param>
/// <param name="SegmentsReused">Segments found stored already (uploaded).</param>
/// <param name="Reason">Why it was skipped or failed.</param>
/// <param name="Warning">A warning of an uploaded file.</param>
/// <param name="Elapsed">Time taken on the worker.</param>
public sealed record FileOutcome(FileStatus Status, long Bytes, string? ETag, int Segments, int SegmentsReused, string? Reason, string? Warning, TimeSpan Elapsed)
{
    /// <summary>The outcome of a local result.</summary>
    public static FileOutcome From(FileResult r) => r switch
    {
        FileUploaded u => new FileOutcome(u.Status, u.Bytes, u.ETag, u.Segments, u.SegmentsReused, null, u.Warning, u.Elapsed),
        FileSkipped s => new FileOutcome(s.Status, s.Bytes, null, 0, 0, s.Reason, null, TimeSpan.Zero),
        FileFailed f => new FileOutcome(f.Status, f.Bytes, null, 0, 0, f.Reason, null, TimeSpan.Zero),
        _ => new FileOutcome(FileStatus.Failed, r.Bytes, null, 0, 0, $"unexpected result {r.Status.Name()}", null, TimeSpan.Zero),
    };

    /// <summary>The result, for the coordinator's path and object name.</summary>
    public FileResult ToResult(string path, string objectName) => Status switch
    {
        FileStatus.Uploaded => new FileUploaded(path, objectName, Bytes, ETag ?? "", Segments, SegmentsReused, Elapsed) { Warning = Warning },
        FileStatus.Skipped => new FileSkipped(path, objectName, Bytes, Reason ?? ""),
        _ => new FileFailed(path, objectName, Bytes, Reason ?? "failed"),
    };
}

/// <summary>Worker to coordinator: the end of one file, the reply to its <see cref="AssignWork"/>.</summary>
public sealed record WorkDone(string RunId, long ItemId, FileOutcome Outcome);

/// <summary>Worker to coordinator, periodically: what it holds. Messages between two actors keep their order, so a file
/// assigned at or before <paramref name="LastSeq"/>, not in <paramref name="InFlight"/> and not reported done, was lost
/// in transit: the coordinator hands it out again.</summary>
/// <param name="RunId">The run.</param>
/// <param name="LastSeq">The highest <see cref="AssignWork.Seq"/> received.</param>
/// <param name="InFlight">Ids of the files it is uploading.</param>
/// <param name="BytesSent">Bytes sent for this run so far (resends included), for the progress display.</param>
public sealed record WorkerHeartbeat(string RunId, long LastSeq, ImmutableArray<long> InFlight, long BytesSent);

/// <summary>Coordinator to workers: the run is over; abandon anything left (nothing, normally).</summary>
public sealed record RunFinished(string RunId, bool Interrupted);

/// <summary>One node's share of a run.</summary>
/// <param name="Node">The node's address (<c>local</c> for entries the walk reported itself).</param>
/// <param name="Uploaded">Files it uploaded.</param>
/// <param name="Skipped">Files it skipped.</param>
/// <param name="Failed">Files that failed there.</param>
/// <param name="Bytes">Bytes of those files.</param>
public sealed record NodeShare(string Node, long Uploaded, long Skipped, long Failed, long Bytes)
{
    /// <summary>Files it finished.</summary>
    public long Files => Uploaded + Skipped + Failed;
}

/// <summary>The end of a cluster run: the usual summary, and how it was shared.</summary>
/// <param name="Summary">Totals over all nodes.</param>
/// <param name="Nodes">Per node; adds up to <paramref name="Summary"/>.</param>
/// <param name="Reassigned">Files handed out again because the node holding them left, died or lost them.</param>
/// <param name="DuplicateResults">Results that arrived for a file already finished elsewhere (ignored).</param>
public sealed record ClusterUploadSummary(TransferSummary Summary, IReadOnlyList<NodeShare> Nodes, long Reassigned, long DuplicateResults);

// Local messages (never cross the wire).

/// <summary>The walk stream's handshake with the coordinator (Sink.ActorRefWithAck).</summary>
internal sealed record WalkStarted
{
    internal static readonly WalkStarted Instance = new();
}

/// <summary>Coordinator to the walk stream: send the next entry.</summary>
internal sealed record WalkAck
{
    internal static readonly WalkAck Instance = new();
}

/// <summary>The walk ended (or was stopped).</summary>
internal sealed record WalkCompleted
{
    internal static readonly WalkCompleted Instance = new();
}

/// <summary>The walk failed.</summary>
internal sealed record WalkFailed(Exception Cause);

/// <summary>Coordinator timer: offer the run again.</summary>
internal sealed record AnnounceTick
{
    internal static readonly AnnounceTick Instance = new();
}

/// <summary>Worker timer: send a heartbeat.</summary>
internal sealed record HeartbeatTick
{
    internal static readonly HeartbeatTick Instance = new();
}

/// <summary>Worker: the node's session is ready for a run (capabilities read), or failed.</summary>
internal sealed record WorkerPrepared(ClusterUploadJob Job, IActorRef Coordinator, SwiftCapabilities? Capabilities, string? Error);

/// <summary>Worker: one file finished locally.</summary>
internal sealed record LocalFileDone(string RunId, long ItemId, FileResult Result);

/// <summary>Local: the upload stage's result for a file (matched to its item by its path).</summary>
internal sealed record LocalFileResult(string RunId, FileResult Result);

/// <summary>Local: the upload stage of a run ended on this node; with an error when it failed.</summary>
internal sealed record UploadStreamEnded(string RunId, string? Error);

/// <summary>Local: a file went into the stage's queue (nothing to do).</summary>
internal sealed record FileQueued
{
    internal static readonly FileQueued Instance = new();
}

/// <summary>Ask a worker what it did (tests, the worker command). Reply: <see cref="WorkerStatus"/>.</summary>
public sealed record GetWorkerStatus
{
    /// <summary>The instance.</summary>
    public static readonly GetWorkerStatus Instance = new();
}

/// <summary>A worker's state.</summary>
/// <param name="RunId">The run it serves or served last, or null.</param>
/// <param name="Active">True while it serves a run.</param>
/// <param name="RunsFinished">Runs it saw finish.</param>
/// <param name="Uploaded">Files it uploaded (all runs).</param>
/// <param name="Skipped">Files it skipped.</param>
/// <param name="Failed">Files that failed.</param>
/// <param name="InFlight">Files it holds now.</param>
public sealed record WorkerStatus(string? RunId, bool Active, int RunsFinished, long Uploaded, long Skipped, long Failed, int InFlight);
