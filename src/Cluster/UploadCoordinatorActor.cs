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

/// <summary>
/// Runs one cluster upload on the node that walks the source. The walk is a stream that feeds this actor with
/// acknowledgements, so it reads at most <c>walk-buffer</c> entries ahead. Workers on every node (a cluster-aware
/// broadcast group over <c>/user/upload-worker</c> of the members with the role <c>upload-worker</c>) hear the offer,
/// register, and are handed files up to their capacity: they pull by finishing. Every assignment is remembered per
/// worker; when a worker's node is downed or leaves (DeathWatch: <see cref="Terminated"/>), its files go back to the
/// front of the queue. The first result for a file counts; a late one from elsewhere is ignored. The run ends when the
/// walk is over and every file has a result.
/// </summary>
internal sealed class UploadCoordinatorActor : ReceiveActor, IWithTimers
{
    private sealed class Item(WorkItem work, string path)
    {
        public WorkItem Work { get; } = work;
        public string Path { get; } = path;
        public IActorRef? AssignedTo { get; set; }
        public long Seq { get; set; }
        public DateTime AssignedAt { get; set; }
    }

    private sealed class Worker(IActorRef actor, int capacity, string node)
    {
        public IActorRef Actor { get; } = actor;
        public int Capacity { get; } = Math.Max(1, capacity);
        public string Node { get; } = node;
        public HashSet<long> Outstanding { get; } = new();
        public long Seq { get; set; }
        public long BytesSent { get; set; }
    }

    private sealed class Share
    {
        public long Uploaded, Skipped, Failed, Bytes;
    }

    private readonly CoordinatorSetup _setup;
    private readonly ClusterUploadJob _job;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, Item> _items = new();
    private readonly LinkedList<long> _queue = new();   // re-queued files go first
    private readonly Dictionary<IActorRef, Worker> _workers = new();
    private readonly Dictionary<string, Share> _shares = new(StringComparer.Ordinal);
    private readonly string _localRoot;
    private IActorRef _announceTo = ActorRefs.Nobody;
    private IActorRef? _walkStage;
    private bool _ackOwed, _walkDone;
    private long _nextId, _reassigned, _duplicates;
    private int _rotation;

    /// <summary>Creates the coordinator.</summary>
    public UploadCoordinatorActor(CoordinatorSetup setup)
    {
        _setup = setup;
        _job = setup.Job;
        _localRoot = Path.GetFullPath(setup.Job.SourceRoot);
        Running();
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    internal static Props Props(CoordinatorSetup setup) => Akka.Actor.Props.Create(() => new UploadCoordinatorActor(setup));

    /// <summary>The broadcast group that reaches the upload worker of every member with the role <c>upload-worker</c>,
    /// as members come and go.</summary>
    public static Props AnnouncerProps() =>
        new ClusterRouterGroup(new BroadcastGroup(Array.Empty<string>()),
            new ClusterRouterGroupSettings(int.MaxValue, ImmutableHashSet.Create("/user/" + UploadWorkerActor.Name), allowLocalRoutees: true,
                useRole: ClusterUpload.WorkerRole)).Props();

    /// <inheritdoc />
    protected override void PreStart()
    {
        _announceTo = _setup.AnnounceTo ?? Context.ActorOf(AnnouncerProps(), "announce");
        if (IsClustered)
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
        _setup.Walk.RunWith(Sink.ActorRefWithAck<LocalEntry>(Self, WalkStarted.Instance, WalkAck.Instance, WalkCompleted.Instance, e => new WalkFailed(e)),
            Context.Materializer());
        Self.Tell(AnnounceTick.Instance);
        Timers.StartPeriodicTimer("announce", AnnounceTick.Instance, _setup.AnnounceInterval);
        _log.Info("Cluster run {0}: {1} -> {2}", _job.RunId, _job.SourceRoot, _job.Container);
    }

    private static bool IsClustered => ((ExtendedActorSystem)Context.System).Provider is ClusterActorRefProvider;

    private void Running()
    {
        Receive<AnnounceTick>(_ => _announceTo.Tell(new WorkAvailable(_job)));
        Receive<WalkStarted>(_ =>
        {
            _walkStage = Sender;
            _ackOwed = true;
            AckWalk();
        });
        Receive<LocalEntry>(e =>
        {
            _setup.Tally.Found();
            _walkStage = Sender;
            _ackOwed = true;
            if (e is LocalFile f)
            {
                var rel = Path.GetRelativePath(_localRoot, f.Path).Replace(Path.DirectorySeparatorChar, '/');
                var item = new Item(new WorkItem(++_nextId, rel, f.ObjectName, f.Length, f.LastWriteTimeUtc), f.Path);
                _items[item.Work.Id] = item;
                _queue.AddLast(item.Work.Id);
                Dispatch();
            }
            else
            {
                // Problems and ignored paths are the walk's own findings: reported here, not sent anywhere.
                Record(e is LocalProblem p ? new FileFailed(p.Path, p.ObjectName, 0, p.Reason) : new FileSkipped(e.Path, e.ObjectName, 0, ((LocalIgnored)e).Reason), "walk");
            }
            AckWalk();
        });
        Receive<WalkCompleted>(_ =>
        {
            _walkDone = true;
            _walkStage = null;
            _log.Info("Cluster run {0}: the walk found {1} file(s)", _job.RunId, _nextId);
            CheckDone();
        });
        Receive<WalkFailed>(m =>
        {
            _log.Error(m.Cause, "Cluster run {0}: the walk failed", _job.RunId);
            Finish(failure: new OpenStackException($"The upload stopped: {m.Cause.Message}", m.Cause));
        });
        Receive<RegisterWorker>(m => m.RunId == _job.RunId, m =>
        {
            if (!_workers.ContainsKey(Sender))
            {
                _workers[Sender] = new Worker(Sender, m.Capacity, m.Node);
                Context.Watch(Sender);
                _log.Info("Cluster run {0}: worker on {1} joined ({2} files at once; {3} worker(s))", _job.RunId, m.Node, m.Capacity, _workers.Count);
            }
            Sender.Tell(new WorkerRegistered(_job.RunId));
            Dispatch();
        });
        Receive<WorkDone>(m => m.RunId == _job.RunId, m =>
        {
            var worker = _workers.GetValueOrDefault(Sender);
            if (worker is not null && worker.Outstanding.Remove(m.ItemId)) _setup.Tally.TransferEnded();
            if (_items.Remove(m.ItemId, out var item))
            {
                if (item.AssignedTo is not null && !item.AssignedTo.Equals(Sender) && _workers.TryGetValue(item.AssignedTo, out var other)
                    && other.Outstanding.Remove(m.ItemId))
                    _setup.Tally.TransferEnded();   // the other holder's late result will be ignored
                Record(m.Outcome.ToResult(item.Path, item.Work.ObjectName), worker?.Node ?? Sender.Path.Address.ToString());
            }
            else
            {
                _duplicates++;
            }
            Dispatch();
            CheckDone();
        });
        Receive<WorkRefused>(m => m.RunId == _job.RunId, m =>
        {
            if (_workers.Remove(Sender, out var worker))
            {
                Context.Unwatch(Sender);
                _log.Warning("Cluster run {0}: worker on {1} refused its files; handing them to others", _job.RunId, worker.Node);
                Requeue(worker);
            }
            Dispatch();
        });
        Receive<WorkReturned>(m => m.RunId == _job.RunId, m =>
        {
            if (!_workers.TryGetValue(Sender, out var worker)) return;
            foreach (var id in m.ItemIds)
            {
                if (!worker.Outstanding.Remove(id)) continue;
                _setup.Tally.TransferEnded();
                if (_items.TryGetValue(id, out var item) && Sender.Equals(item.AssignedTo)) Requeue(id);
            }
            Dispatch();
        });
        Receive<WorkerHeartbeat>(m => m.RunId == _job.RunId, m =>
        {
            if (!_workers.TryGetValue(Sender, out var worker)) return;
            if (m.BytesSent > worker.BytesSent)
            {
                _setup.Tally.BytesSent(m.BytesSent - worker.BytesSent);
                worker.BytesSent = m.BytesSent;
            }
            // Ordered delivery: results sent before this heartbeat have been handled. A file of an assignment the worker
            // has seen that it neither holds nor reported was lost (a dropped connection); so was an assignment it has not
            // seen after much longer than a delivery takes. Either is handed out again.
            var holds = m.InFlight.ToHashSet();
            var unseenSince = DateTime.UtcNow - _setup.UnseenAssignmentTimeout;
            var lost = worker.Outstanding
                .Where(id => !holds.Contains(id) && _items.TryGetValue(id, out var it) && worker.Actor.Equals(it.AssignedTo)
                             && (it.Seq <= m.LastSeq || it.AssignedAt < unseenSince))
                .ToList();
            if (lost.Count == 0) return;
            _log.Warning("Cluster run {0}: {1} file(s) sent to {2} were lost in transit; handing them out again", _job.RunId, lost.Count, worker.Node);
            foreach (var id in lost)
            {
                worker.Outstanding.Remove(id);
                _setup.Tally.TransferEnded();
                Requeue(id);
            }
            Dispatch();
        });
        Receive<Terminated>(t =>
        {
            if (!_workers.Remove(t.ActorRef, out var worker)) return;
            _log.Warning("Cluster run {0}: worker on {1} is gone with {2} file(s) unfinished; handing them to others",
                _job.RunId, worker.Node, worker.Outstanding.Count);
            Requeue(worker);
            Dispatch();
            CheckDone();
        });
        Receive<AbandonRun>(_ =>
        {
            foreach (var item in _items.Values.ToList())
                Record(new FileFailed(item.Path, item.Work.ObjectName, item.Work.Length, "cancelled before it finished"), item.AssignedTo is { } a && _workers.TryGetValue(a, out var w) ? w.Node : "walk");
            _items.Clear();
            _walkDone = true;
            CheckDone();
        });
        Receive<ClusterEvent.UnreachableMember>(m =>
            _log.Warning("Cluster run {0}: {1} is unreachable; its files are handed out again if it is downed", _job.RunId, m.Member.Address));
        Receive<ClusterEvent.ReachableMember>(m => _log.Info("Cluster run {0}: {1} is reachable again", _job.RunId, m.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(m => _log.Info("Cluster run {0}: {1} was removed from the cluster", _job.RunId, m.Member.Address));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    /// <summary>After the end: late registrations learn that the run is over; the actor stops a little later.</summary>
    private void Finished(bool interrupted)
    {
        Receive<RegisterWorker>(m => Sender.Tell(new RunFinished(m.RunId, interrupted)));
        Receive<WorkDone>(_ => _duplicates++);
        Receive<ReceiveTimeout>(_ => Context.Stop(Self));
        ReceiveAny(_ => { });
    }

    private void AckWalk()
    {
        if (!_ackOwed || _walkStage is null || Queued() >= _setup.WalkBuffer) return;
        _ackOwed = false;
        _walkStage.Tell(WalkAck.Instance);
    }

    /// <summary>Files waiting for a worker (with entries of files finished meanwhile, dropped when reached).</summary>
    private int Queued() => _queue.Count;

    private void Requeue(Worker worker)
    {
        foreach (var id in worker.Outstanding)
        {
            _setup.Tally.TransferEnded();
            if (_items.TryGetValue(id, out var item) && worker.Actor.Equals(item.AssignedTo)) Requeue(id);
        }
        worker.Outstanding.Clear();
    }

    private void Requeue(long id)
    {
        var item = _items[id];
        item.AssignedTo = null;
        _queue.AddFirst(id);
        _reassigned++;
    }

    private void Dispatch()
    {
        if (_workers.Count == 0 || _queue.Count == 0) return;
        // Start at a different worker each time so that none is always served first.
        var workers = _workers.Values.ToList();
        _rotation = (_rotation + 1) % workers.Count;
        foreach (var worker in workers.Skip(_rotation).Concat(workers.Take(_rotation)))
        {
            while (worker.Capacity - worker.Outstanding.Count > 0 && _queue.Count > 0) Assign(worker, Math.Min(MaxBatch, worker.Capacity - worker.Outstanding.Count));
            if (_queue.Count == 0) break;
        }
        AckWalk();
    }

    /// <summary>Files per <see cref="AssignWork"/> at most, so that a message stays far below Akka.Remote's frame size
    /// (128 kB by default) whatever the capacity and the length of paths.</summary>
    private const int MaxBatch = 32;

    private void Assign(Worker worker, int count)
    {
        var batch = ImmutableArray.CreateBuilder<WorkItem>(count);
        var seq = worker.Seq + 1;
        while (batch.Count < count && _queue.First is { } node)
        {
            _queue.RemoveFirst();
            // Entries of files finished meanwhile (a late result of a re-queued file) are dropped here.
            if (!_items.TryGetValue(node.Value, out var item) || item.AssignedTo is not null) continue;
            item.AssignedTo = worker.Actor;
            item.Seq = seq;
            item.AssignedAt = DateTime.UtcNow;
            worker.Outstanding.Add(item.Work.Id);
            _setup.Tally.TransferStarted();
            batch.Add(item.Work);
        }
        if (batch.Count > 0)
        {
            worker.Seq = seq;
            worker.Actor.Tell(new AssignWork(_job.RunId, seq, batch.ToImmutable()));
        }
    }

    private void Record(FileResult result, string node)
    {
        _setup.Tally.Record(result);
        if (!_shares.TryGetValue(node, out var share)) _shares[node] = share = new Share();
        switch (result)
        {
            case FileUploaded: share.Uploaded++; break;
            case FileSkipped: share.Skipped++; break;
            default: share.Failed++; break;
        }
        share.Bytes += result.Bytes;
        try
        {
            _setup.OnResult?.Invoke(result);
        }
        catch (Exception e)
        {
            _log.Error(e, "Cluster run {0}: the result callback failed for {1}", _job.RunId, result.ObjectName);
        }
    }

    private void CheckDone()
    {
        if (_walkDone && _items.Count == 0) Finish(null);
    }

    private void Finish(Exception? failure)
    {
        var interrupted = _setup.StopRequested();
        Timers.Cancel("announce");
        var finished = new RunFinished(_job.RunId, interrupted || failure is not null);
        foreach (var w in _workers.Values)
        {
            Context.Unwatch(w.Actor);
            w.Actor.Tell(finished);
        }
        // Also to the workers that heard the offer but are still preparing: they stop waiting for a run that is over.
        _announceTo.Tell(finished);
        var summary = _setup.Tally.Summary(interrupted);
        var shares = _shares.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new NodeShare(s.Key, s.Value.Uploaded, s.Value.Skipped, s.Value.Failed, s.Value.Bytes)).ToList();
        _log.Info("Cluster run {0} finished: {1} uploaded, {2} skipped, {3} failed; {4} handed out again", _job.RunId,
            summary.Transferred, summary.Skipped, summary.Failed, _reassigned);
        if (failure is not null) _setup.Completion.TrySetException(failure);
        else _setup.Completion.TrySetResult(new ClusterUploadSummary(summary, shares, _reassigned, _duplicates));
        Become(() => Finished(interrupted || failure is not null));
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(5));
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        // A bug, not a file's failure (those are results): the run's state is lost, so the run fails rather than restarts.
        _setup.Completion.TrySetException(new OpenStackException($"The cluster upload failed: {reason.Message}", reason));
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected override void PostRestart(Exception reason) => Context.Stop(Self);

    /// <inheritdoc />
    protected override void PostStop()
    {
        _setup.Completion.TrySetException(new OpenStackException("The cluster upload stopped before it finished (its node is shutting down)"));
        if (IsClustered) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }
}
