using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.Cluster;

/// <summary>A running cluster upload: the usual <see cref="TransferRun"/> (progress, graceful stop) and the cluster summary.</summary>
public sealed class ClusterUploadRun
{
    internal ClusterUploadRun(string runId, TransferRun run, Task<ClusterUploadSummary> completion, IActorRef coordinator)
    {
        RunId = runId;
        Run = run;
        Completion = completion;
        Coordinator = coordinator;
    }

    /// <summary>The run's id (in the logs of every node).</summary>
    public string RunId { get; }

    /// <summary>Progress (files found and finished on all nodes, bytes sent as the workers last reported), <see cref="TransferRun.Stop"/>,
    /// and <see cref="TransferRun.Completion"/> with the totals.</summary>
    public TransferRun Run { get; }

    /// <summary>The totals and each node's share.</summary>
    public Task<ClusterUploadSummary> Completion { get; }

    /// <summary>The coordinator actor of this run, on this node; it hands files to the workers and collects their outcomes.</summary>
    public IActorRef Coordinator { get; }
}

/// <summary>
/// One batch upload spread over an Akka.NET cluster. Every node runs an upload worker (<see cref="StartWorker"/>) with
/// its own session; the node that walks the source starts the run (<see cref="StartAsync"/>), whose coordinator hands
/// files to the workers of all nodes as they ask for them. See docs/cluster.md.
/// </summary>
public static class ClusterUpload
{
    /// <summary>The role of nodes that upload (all of them, by default).</summary>
    public const string WorkerRole = "upload-worker";

    /// <summary>The role the tool adds to the node that walks the source (informational).</summary>
    public const string CoordinatorRole = "upload-coordinator";

    /// <summary>The actor system's name: nodes of one cluster must share it.</summary>
    public const string SystemName = "openstack-actors";

    private static readonly Lazy<Akka.Configuration.Config> Defaults = new(() =>
    {
        using var stream = typeof(ClusterUpload).Assembly.GetManifestResourceStream("OpenStack.Actors.Cluster.cluster.conf")
            ?? throw new InvalidOperationException("cluster.conf is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The defaults of a node (cluster provider, loopback remoting, keep-majority split-brain resolver, the
    /// <c>openstack.cluster-upload</c> settings).</summary>
    public static Akka.Configuration.Config DefaultConfig() => Defaults.Value;

    /// <summary>A node's address and seeds as HOCON (put it in front of <see cref="DefaultConfig"/>).</summary>
    /// <param name="host">The address other nodes reach this one at (also bound).</param>
    /// <param name="port">The port; 0 picks a free one (fine for nodes that are not seeds).</param>
    /// <param name="seedNodes">Addresses like <c>akka.tcp://openstack-actors@10.0.0.1:4053</c>; none: keep the configured ones.</param>
    /// <param name="roles">Roles beyond <see cref="WorkerRole"/>.</param>
    /// <param name="minMembers">Members the cluster needs before any becomes Up (so a run starts with them all), or null.</param>
    public static Akka.Configuration.Config NodeConfig(string? host = null, int? port = null, IEnumerable<string>? seedNodes = null, IEnumerable<string>? roles = null, int? minMembers = null)
    {
        var hocon = new StringBuilder();
        if (host is not null) hocon.Append("akka.remote.dot-netty.tcp.hostname = ").AppendLine(Quote(host));
        if (port is not null) hocon.Append("akka.remote.dot-netty.tcp.port = ").AppendLine(port.Value.ToString(CultureInfo.InvariantCulture));
        var seeds = seedNodes?.ToList() ?? [];
        if (seeds.Count > 0) hocon.Append("akka.cluster.seed-nodes = [").Append(string.Join(", ", seeds.Select(Quote))).AppendLine("]");
        var extra = roles?.ToList() ?? [];
        if (extra.Count > 0)
            hocon.Append("akka.cluster.roles = [").Append(string.Join(", ", new[] { WorkerRole }.Concat(extra).Distinct().Select(Quote))).AppendLine("]");
        if (minMembers is not null) hocon.Append("akka.cluster.min-nr-of-members = ").AppendLine(minMembers.Value.ToString(CultureInfo.InvariantCulture));
        return ConfigurationFactory.ParseString(hocon.ToString());
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Joins the configured seed nodes (none: starts a cluster of its own) and completes when this member is Up
    /// (with <c>min-nr-of-members</c>, when that many have joined).</summary>
    public static async Task JoinAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0) cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts this node's upload worker (<c>/user/upload-worker</c>), which serves the runs offered in the cluster with
    /// <paramref name="client"/> (this node's own session and credentials).</summary>
    public static IActorRef StartWorker(ActorSystem system, ObjectStoreClient client, ClusterWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(client);
        return system.ActorOf(UploadWorkerActor.Props(client, options), UploadWorkerActor.Name);
    }

    /// <summary>
    /// Checks the directory, reads the cluster's limits, creates the container, and starts the run: this node walks the
    /// source and the upload workers of every node (this one's too, if started) upload. The source must be visible at the
    /// same path on every node (or the workers are told where with <see cref="ClusterWorkerOptions.SourceRoot"/>).
    /// </summary>
    /// <param name="system">This node's actor system (a cluster member).</param>
    /// <param name="client">This node's client: for the container and the limits.</param>
    /// <param name="job">What to upload where; its settings' segment size, skip mode and segment cleanup go to every node,
    /// the number of transfers is each node's own.</param>
    /// <param name="onResult">Called once per file, from one thread at a time.</param>
    /// <param name="cancellationToken">Abandons the files in flight (reported failed); <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <exception cref="ArgumentException">The job's source is one file, or it has headers: a cluster upload walks a directory and sets none.</exception>
    public static async Task<ClusterUploadRun> StartAsync(ActorSystem system, ObjectStoreClient client, UploadJob job,
        Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(job);
        if (File.Exists(job.Source)) throw new ArgumentException($"a cluster upload walks a directory, and '{job.Source}' is a file");
        if (job.Headers is { Count: > 0 }) throw new ArgumentException("a cluster upload sets no headers (its workers store the objects)");
        var source = (await ObjectStoreStreams.PrepareUploadAsync(client, job, cancellationToken).ConfigureAwait(false)).Files;
        var settings = job.Settings ?? client.Settings;

        var runId = Guid.NewGuid().ToString("N")[..12];
        var clusterJob = new ClusterUploadJob(runId, Path.GetFullPath(job.Source), job.Container, settings.SegmentSize, settings.Skip, settings.CleanupSegments);
        var tally = new TransferTally(settings.MaxFailuresInSummary);
        var killSwitch = KillSwitches.Shared("walk-" + runId);
        var completion = new TaskCompletionSource<ClusterUploadSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = new TransferRun(tally.Progress, killSwitch, SummaryOf(completion.Task));
        var walk = source.Via(killSwitch.Flow<LocalEntry>());
        var clusterSettings = ClusterUploadSettings.Create(system.Settings.Config);
        var setup = new CoordinatorSetup(clusterJob, walk, tally, onResult, completion, () => run.StopRequested,
            clusterSettings.AnnounceInterval, clusterSettings.WalkBuffer);
        var coordinator = system.ActorOf(UploadCoordinatorActor.Props(setup), "upload-coordinator-" + runId);

        var registration = cancellationToken.Register(() =>
        {
            run.Stop();
            coordinator.Tell(AbandonRun.Instance);
        });
        _ = completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ClusterUploadRun(runId, run, completion.Task, coordinator);
    }

    private static async Task<TransferSummary> SummaryOf(Task<ClusterUploadSummary> completion) => (await completion.ConfigureAwait(false)).Summary;
}
