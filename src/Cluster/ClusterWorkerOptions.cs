using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Cluster;

/// <summary>How a node's upload worker behaves.</summary>
public sealed record ClusterWorkerOptions
{
    /// <summary>Files uploaded at once on this node; null: the client's <see cref="ObjectStoreSettings.Transfers"/>.</summary>
    public int? Transfers { get; init; }

    /// <summary>Where this node sees the shared source directory; null: the coordinator's path.</summary>
    public string? SourceRoot { get; init; }

    /// <summary>How often the worker reports what it holds; null: <c>openstack.cluster-upload.heartbeat-interval</c>.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>Called (from the actor) when a run this worker served ends: its id, true when the coordinator
    /// finished it (false: the coordinator is gone), and the worker's counters.</summary>
    public Action<string, bool, WorkerStatus>? OnRunEnded { get; init; }
}
