using System.CommandLine;
using OpenStack.Actors.Cluster;
using OpenStack.Actors.ObjectStore;
using Spectre.Console;

namespace OpenStack.Actors.Host;

/// <summary>The cluster options of <c>upload --cluster</c> and <c>upload-worker</c> (see docs/cluster.md).</summary>
public sealed class ClusterOptions
{
    /// <summary>The port of the node that walks the source when none is given (the seed the workers name).</summary>
    public const int DefaultCoordinatorPort = 4053;

    private readonly bool _coordinator;

    /// <summary>Creates the options of the coordinator's (<c>upload --cluster</c>) or of a worker's command line.</summary>
    public ClusterOptions(bool coordinator)
    {
        _coordinator = coordinator;
        Host = new Option<string?>("--cluster-host")
        {
            Description = "Address this node binds and the other nodes reach it at (default 127.0.0.1, or akka.remote.dot-netty.tcp.hostname of --config)",
        };
        Port = new Option<int?>("--cluster-port")
        {
            Description = coordinator
                ? $"Port of this node (default {DefaultCoordinatorPort}; the workers' --seed-node names it)"
                : "Port of this node (default: any free port)",
        };
        Port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0 or > 65535) r.AddError("--cluster-port must be 0-65535");
        });
        Seeds = new Option<string[]>("--seed-node")
        {
            Description = "A seed node's address, e.g. akka.tcp://openstack-actors@10.0.0.1:4053 (repeatable; default: akka.cluster.seed-nodes of --config" +
                (coordinator ? ", else this node starts the cluster)" : ")"),
            AllowMultipleArgumentsPerToken = false,
        };
    }

    /// <summary>--cluster-host.</summary>
    public Option<string?> Host { get; }

    /// <summary>--cluster-port.</summary>
    public Option<int?> Port { get; }

    /// <summary>--seed-node.</summary>
    public Option<string[]> Seeds { get; }

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Port);
        command.Options.Add(Seeds);
    }

    /// <summary>The node's HOCON: the command line over the --config file over <see cref="ClusterUpload.DefaultConfig"/>.</summary>
    public (Akka.Configuration.Config Overrides, Akka.Configuration.Config Defaults) Config(ParseResult parse, int? minMembers = null)
    {
        var seeds = parse.GetValue(Seeds) ?? [];
        var port = parse.GetValue(Port) ?? (_coordinator ? DefaultCoordinatorPort : null);
        var overrides = ClusterUpload.NodeConfig(parse.GetValue(Host), port, seeds, _coordinator ? [ClusterUpload.CoordinatorRole] : null, minMembers);
        return (overrides, ClusterUpload.DefaultConfig());
    }
}

/// <summary><c>upload --cluster</c> (this node walks and coordinates) and <c>upload-worker</c> (a node that only uploads).</summary>
public static class ClusterCommands
{
    /// <summary>Starts this node's worker, joins the cluster (waiting for <paramref name="minNodes"/> members), and starts the run.</summary>
    public static async Task<ClusterUploadRun> StartUploadAsync(CliConsole console, CloudConnection cloud, UploadJob job, int minNodes,
        Action<FileResult> onResult, CancellationToken cancellationToken)
    {
        ClusterUpload.StartWorker(cloud.System, cloud.ObjectStore, new ClusterWorkerOptions { Transfers = job.Settings?.Transfers });
        var self = Akka.Cluster.Cluster.Get(cloud.System).SelfAddress;
        console.ErrorWriter.WriteLine($"Cluster node {self}: workers join with  upload-worker --seed-node {self}");
        if (minNodes > 1) console.ErrorWriter.WriteLine($"Waiting for {minNodes} members...");
        using (var interrupt = new CancellationTokenSource())
        using (console.OnInterrupt(_ => interrupt.Cancel()))
        {
            await ClusterUpload.JoinAsync(cloud.System, interrupt.Token).ConfigureAwait(false);
        }
        var run = await ClusterUpload.StartAsync(cloud.System, cloud.ObjectStore, job, onResult, cancellationToken).ConfigureAwait(false);
        console.ErrorWriter.WriteLine($"Cluster run {run.RunId} started");
        return run;
    }

    /// <summary>Each node's share, after the usual summary.</summary>
    public static void PrintShares(CliConsole console, ClusterUploadSummary s)
    {
        var table = new Table().AddColumn("Node").AddColumn("Uploaded").AddColumn("Skipped").AddColumn("Failed").AddColumn("Bytes");
        foreach (var n in s.Nodes)
            table.AddRow(Markup.Escape(n.Node), n.Uploaded.ToString(), n.Skipped.ToString(), n.Failed.ToString(), Markup.Escape(ByteSize.Format(n.Bytes)));
        console.Out.Write(table);
        console.Out.WriteLine($"Nodes: {s.Nodes.Count(n => n.Node != "walk")}  Handed out again: {s.Reassigned}");
    }

    /// <summary><c>upload-worker</c>: joins a cluster and uploads the files a coordinator hands out.</summary>
    public static Command Worker(CliConsole console)
    {
        var cluster = new ClusterOptions(coordinator: false);
        var transfers = Cli.PositiveOption("--transfers", "Files this node uploads at once (default 16, or openstack.object-store.transfers)");
        var source = new Option<string?>("--source") { Description = "Where this node sees the shared source directory (default: the coordinator's path)" };
        var keepServing = new Option<bool>("--keep-serving") { Description = "Serve run after run until Ctrl-C (default: exit when the first run ends)" };
        var command = new Command("upload-worker", "Join a cluster upload (see upload --cluster) and upload the files its coordinator hands out, with this node's own credentials")
        {
            transfers, source, keepServing,
        };
        cluster.AddTo(command);
        command.SetAction(Cli.WithCloud(console, parse => cluster.Config(parse), async (parse, cloud) =>
        {
            if (cloud.Config.GetStringList("akka.cluster.seed-nodes").Count == 0)
                throw new CliUsageException("upload-worker needs --seed-node (the address upload --cluster prints) or akka.cluster.seed-nodes in --config");
            var keep = parse.GetValue(keepServing);
            var ended = new TaskCompletionSource<(string RunId, bool Completed, WorkerStatus Status)>(TaskCreationOptions.RunContinuationsAsynchronously);
            ClusterUpload.StartWorker(cloud.System, cloud.ObjectStore, new ClusterWorkerOptions
            {
                Transfers = parse.GetValue(transfers),
                SourceRoot = parse.GetValue(source),
                OnRunEnded = (id, completed, status) =>
                {
                    console.ErrorWriter.WriteLine(completed ? $"Run {id} finished" : $"Run {id}: the coordinator is gone");
                    if (!keep) ended.TrySetResult((id, completed, status));
                },
            });
            using var interrupt = new CancellationTokenSource();
            using (console.OnInterrupt(_ => interrupt.Cancel()))
            {
                try
                {
                    await ClusterUpload.JoinAsync(cloud.System, interrupt.Token).ConfigureAwait(false);
                    console.ErrorWriter.WriteLine($"Joined the cluster as {Akka.Cluster.Cluster.Get(cloud.System).SelfAddress}; waiting for work...");
                    var (runId, completed, status) = await ended.Task.WaitAsync(interrupt.Token).ConfigureAwait(false);
                    console.Out.WriteLine($"Run {runId}: uploaded {status.Uploaded}  skipped {status.Skipped}  failed {status.Failed} on this node");
                    return completed && status.Failed == 0 ? 0 : 1;
                }
                catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
                {
                    // Ctrl-C: leaving the cluster (on dispose) hands this node's unfinished files to the others.
                    console.ErrorWriter.WriteLine("Leaving the cluster; unfinished files go to the other nodes");
                    return 130;
                }
            }
        }));
        return command;
    }
}
