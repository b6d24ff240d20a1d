using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Cluster;

/// <summary>
/// The upload worker of a node (<c>/user/upload-worker</c>): hears a run's offer, prepares with the node's own session
/// (its own clouds.yaml, its own token), registers with the coordinator and uploads the files it is handed, at most
/// its capacity at once, through the upload stage (<see cref="ObjectStoreStreams.UploadFiles(ObjectStoreClient, string, TransferOptions)"/>) the single-node upload
/// is made of. It serves one run at a time.
/// </summary>
public sealed class UploadWorkerActor : ReceiveActor, IWithTimers
{
    /// <summary>The name of the worker on every node; the coordinator's broadcast group routes to this path.</summary>
    public const string Name = "upload-worker";

    private readonly ObjectStoreClient _client;
    private readonly ClusterWorkerOptions _options;
    private readonly TimeSpan _heartbeatInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _node;
    private readonly HashSet<string> _finishedRuns = new(StringComparer.Ordinal);
    private readonly Dictionary<long, WorkItem> _inFlight = new();
    private readonly Dictionary<string, long> _idByPath = new(StringComparer.Ordinal);
    private long _uploaded, _skipped, _failed;
    private int _runsFinished;
    private bool _sessionGone;

    // The run being served.
    private ClusterUploadJob? _job;
    private IActorRef? _coordinator;
    private ISourceQueueWithComplete<LocalEntry>? _files;
    private UniqueKillSwitch? _stream;
    private TransferProgress? _progress;
    private bool _registered;
    private long _lastSeq;
    private int _capacity;
    private string _root = "";

    /// <summary>Creates the worker.</summary>
    public UploadWorkerActor(ObjectStoreClient client, ClusterWorkerOptions options)
    {
        _client = client;
        _options = options;
        _heartbeatInterval = options.HeartbeatInterval
            ?? ClusterUploadSettings.Create(Context.System.Settings.Config).HeartbeatInterval;
        _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Context.Watch(client.Session.Actor);
        Idle();
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the worker; it uploads with <paramref name="client"/>, this node's own session and credentials.</summary>
    public static Props Props(ObjectStoreClient client, ClusterWorkerOptions? options = null) =>
        Akka.Actor.Props.Create(() => new UploadWorkerActor(client, options ?? new ClusterWorkerOptions()));

    private void Idle()
    {
        Receive<WorkAvailable>(m =>
        {
            if (_finishedRuns.Contains(m.Job.RunId) || _sessionGone) return;   // a late offer of a run that is over; or no session to work with
            var job = m.Job;
            var coordinator = Sender;
            _log.Info("Preparing for cluster run {0} from {1}", job.RunId, coordinator.Path.Address);
            // Watched from the offer on, while its node is still a member: a coordinator that is gone by the time this
            // worker is ready must not leave it waiting.
            Context.Watch(coordinator);
            Become(() => Preparing(job.RunId, coordinator));
            _client.GetCapabilitiesAsync().PipeTo(Self,
                success: capabilities => new WorkerPrepared(job, coordinator, capabilities, null),
                failure: e => new WorkerPrepared(job, coordinator, null, e.Message));
        });
        // The end of a run whose offer never reached this node: the broadcast group learns of a new member some time
        // after it is up, so a short run can announce itself before and finish after; it is over for this node too.
        Receive<RunFinished>(m => !_finishedRuns.Contains(m.RunId), m =>
        {
            _log.Info("Cluster run {0} finished before this node heard of it", m.RunId);
            Ended(m.RunId, Sender, completed: true);
        });
        Common();
    }

    private void Preparing(string runId, IActorRef coordinator)
    {
        Receive<WorkerPrepared>(m => m.Job.RunId == runId, m =>
        {
            if (m.Capabilities is null)
            {
                // This node cannot reach the cloud (its credentials, its network): it takes no files; the next offer retries.
                _log.Error("Cannot serve cluster run {0}: {1}", m.Job.RunId, m.Error);
                Context.Unwatch(coordinator);
                Become(Idle);
                return;
            }
            StartRun(m.Job, m.Coordinator);
        });
        Receive<WorkAvailable>(_ => { });
        // The others may finish a small run while this node still lists the container: the run ends here too, with nothing done.
        Receive<RunFinished>(m => m.RunId == runId, m =>
        {
            _log.Info("Cluster run {0} finished before this node was ready", runId);
            Ended(runId, coordinator, completed: true);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(coordinator), _ =>
        {
            _log.Warning("The coordinator of cluster run {0} is gone", runId);
            Ended(runId, coordinator, completed: false);
        });
        Common();
    }

    /// <summary>Starts serving a run: the files handed to this node go through one upload stage, which prepares as a
    /// single-node upload does (the cluster's limits, one listing of the container, this node's outage monitor: an outage
    /// pauses this worker's files as it pauses a single-node upload).</summary>
    private void StartRun(ClusterUploadJob job, IActorRef coordinator)
    {
        var settings = _client.Settings with
        {
            SegmentSize = job.SegmentSize,
            Skip = job.Skip,
            CleanupSegments = job.CleanupSegments,
            Transfers = _options.Transfers ?? _client.Settings.Transfers,
        };
        _job = job;
        _coordinator = coordinator;
        _capacity = settings.Transfers;
        _root = Path.GetFullPath(_options.SourceRoot ?? job.SourceRoot);
        _progress = new TransferProgress();
        var (runId, self) = (job.RunId, Self);
        // The coordinator hands out at most the capacity at once: the queue never fills.
        var ((files, stream), done) = Source.Queue<LocalEntry>(_capacity * 2, OverflowStrategy.Backpressure)
            .Via(ObjectStoreStreams.UploadFiles(_client, job.Container, settings, progress: _progress))
            .ViaMaterialized(KillSwitches.Single<FileResult>(), Keep.Both)
            .ToMaterialized(Sink.ForEach<FileResult>(r => self.Tell(new LocalFileResult(runId, r))), Keep.Both)
            .Run(Context.Materializer());
        (_files, _stream) = (files, stream);
        done.PipeTo(Self, success: () => new UploadStreamEnded(runId, null), failure: e => new UploadStreamEnded(runId, e.Message));
        _idByPath.Clear();
        _registered = false;
        _lastSeq = 0;
        _inFlight.Clear();
        Context.Watch(coordinator);
        coordinator.Tell(new RegisterWorker(job.RunId, _capacity, _node));
        Timers.StartPeriodicTimer("heartbeat", HeartbeatTick.Instance, _heartbeatInterval);
        Become(Serving);
    }

    private void Serving()
    {
        Receive<WorkAvailable>(m =>
        {
            // The registration (or its answer) may have been lost: ask again; the coordinator ignores a repeat.
            if (m.Job.RunId == _job!.RunId && !_registered) Sender.Tell(new RegisterWorker(_job.RunId, _capacity, _node));
        });
        Receive<WorkerRegistered>(m => m.RunId == _job!.RunId, m =>
        {
            if (!_registered) _log.Info("Registered with the coordinator of cluster run {0} ({1} files at once)", m.RunId, _capacity);
            _registered = true;
        });
        Receive<AssignWork>(m => m.RunId == _job!.RunId, m =>
        {
            _registered = true;
            _lastSeq = Math.Max(_lastSeq, m.Seq);
            foreach (var item in m.Items)
            {
                if (!_inFlight.TryAdd(item.Id, item)) continue;   // a duplicate delivery
                Start(m.RunId, item);
            }
        });
        Receive<LocalFileResult>(m => m.RunId == _job!.RunId, m =>
        {
            if (_idByPath.Remove(m.Result.Path, out var id)) Self.Tell(new LocalFileDone(m.RunId, id, m.Result));
        });
        Receive<UploadStreamEnded>(m => m.RunId == _job!.RunId && m.Error is not null, m =>
        {
            // The stage could not start here (the container refused, the cloud gone): other nodes take this one's files.
            _log.Error("The uploads of cluster run {0} stopped on this node: {1}; handing {2} file(s) back", m.RunId, m.Error, _inFlight.Count);
            _coordinator!.Tell(new WorkRefused(m.RunId, _inFlight.Keys.ToImmutableArray()));
            EndRun(completed: false);
        });
        Receive<LocalFileDone>(m =>
        {
            if (m.RunId != _job!.RunId || !_inFlight.Remove(m.ItemId)) return;
            if (NotTheFilesFault(m.Result))
            {
                // This node's session stopped under the file: another node should do it.
                _coordinator!.Tell(new WorkReturned(m.RunId, [m.ItemId]));
                return;
            }
            // Not attempted (the outage budget ran out on this node) is a failure of the file for the run.
            var result = m.Result is FileNotAttempted n ? new FileFailed(n.Path, n.ObjectName, n.Bytes, n.Reason) : m.Result;
            Count(result);
            _coordinator!.Tell(new WorkDone(m.RunId, m.ItemId, FileOutcome.From(result)));
        });
        Receive<HeartbeatTick>(_ =>
            _coordinator!.Tell(new WorkerHeartbeat(_job!.RunId, _lastSeq, _inFlight.Keys.ToImmutableArray(), _progress!.Snapshot().BytesSent)));
        Receive<RunFinished>(m => m.RunId == _job!.RunId, m =>
        {
            _log.Info("Cluster run {0} finished{1}", m.RunId, m.Interrupted ? " (interrupted)" : "");
            EndRun(completed: true);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ =>
        {
            _log.Warning("The coordinator of cluster run {0} is gone; abandoning {1} file(s)", _job!.RunId, _inFlight.Count);
            EndRun(completed: false);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_client.Session.Actor), _ =>
        {
            _sessionGone = true;
            _log.Error("This node's session stopped; handing {0} file(s) of cluster run {1} back and leaving the run", _inFlight.Count, _job!.RunId);
            _coordinator!.Tell(new WorkRefused(_job.RunId, _inFlight.Keys.ToImmutableArray()));
            EndRun(completed: false);
        });
        Common();
    }

    private static bool NotTheFilesFault(FileResult result)
    {
        if (result is not FileFailed { Error: { } error }) return false;
        for (var e = error; e is not null; e = e.InnerException)
            if (e is SessionStoppedException) return true;
        return false;
    }

    private void Start(string runId, WorkItem item)
    {
        var path = Path.GetFullPath(Path.Combine(_root, item.RelativePath));
        // Only files below the source root: a coordinator cannot make a node send anything else.
        if (Path.IsPathRooted(item.RelativePath) || !path.StartsWith(_root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            Self.Tell(new LocalFileDone(runId, item.Id, new FileFailed(path, item.ObjectName, item.Length, "refused: the path is not below the source directory")));
            return;
        }
        _idByPath[path] = item.Id;
        _files!.OfferAsync(new LocalFile(path, item.ObjectName, item.Length, item.LastWriteTimeUtc)).PipeTo(Self,
            success: r => r is QueueOfferResult.Enqueued ? FileQueued.Instance
                : new LocalFileResult(runId, new FileFailed(path, item.ObjectName, item.Length, "not queued: " + r)),
            failure: e => new LocalFileResult(runId, new FileFailed(path, item.ObjectName, item.Length, "not queued: " + e.Message)));
    }

    private void EndRun(bool completed)
    {
        Timers.Cancel("heartbeat");
        // Cancels the files in flight (the stage deletes the segments of a large object it could not finish).
        _stream?.Shutdown();
        (_files, _stream) = (null, null);
        Ended(_job!.RunId, _coordinator!, completed);
    }

    /// <summary>The end of a run for this worker, served or only prepared for.</summary>
    private void Ended(string runId, IActorRef coordinator, bool completed)
    {
        Context.Unwatch(coordinator);
        _finishedRuns.Add(runId);
        _runsFinished++;
        var status = Status();
        _inFlight.Clear();
        _idByPath.Clear();
        _job = null;
        _coordinator = null;
        Become(Idle);
        _options.OnRunEnded?.Invoke(runId, completed, status);
    }

    private void Common()
    {
        Receive<GetWorkerStatus>(_ => Sender.Tell(Status()));
        Receive<LocalFileDone>(_ => { });   // of a run that ended
        Receive<LocalFileResult>(_ => { });
        Receive<UploadStreamEnded>(_ => { });
        Receive<FileQueued>(_ => { });
        Receive<HeartbeatTick>(_ => { });
        Receive<WorkerRegistered>(_ => { });
        Receive<RunFinished>(m => _finishedRuns.Add(m.RunId));
        Receive<WorkerPrepared>(_ => { });   // of a run that ended while this node prepared
        // Files of a run this worker does not serve (it left the run, or restarted): handed back, to be given to others.
        Receive<AssignWork>(m => Sender.Tell(new WorkRefused(m.RunId, m.Items.Select(i => i.Id).ToImmutableArray())));
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_client.Session.Actor)) _sessionGone = true;
        });
    }

    private WorkerStatus Status() => new(_job?.RunId, _job is not null, _runsFinished, _uploaded, _skipped, _failed, _inFlight.Count);

    private void Count(FileResult r)
    {
        switch (r)
        {
            case FileUploaded: _uploaded++; break;
            case FileSkipped: _skipped++; break;
            default: _failed++; break;
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _stream?.Shutdown();
        base.PostStop();
    }
}
