using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>Objects to delete: the named ones, or every object of the container (under <see cref="Prefix"/>).</summary>
/// <param name="Container">The container.</param>
public sealed record DeleteJob(string Container)
{
    /// <summary>The objects to delete (each asked about with a HEAD, so a large object goes with its segments); null: the
    /// container's listing (which says which objects are large).</summary>
    public IReadOnlyList<string>? Objects { get; init; }

    /// <summary>With no <see cref="Objects"/>: only objects whose names start with this.</summary>
    public string? Prefix { get; init; }

    /// <summary>Parallel deletes (<see cref="ObjectStoreSettings.Transfers"/>), outage budget and retries; null takes the client's settings.</summary>
    public ObjectStoreSettings? Settings { get; init; }

    /// <summary>With no <see cref="Objects"/>: which listed objects to delete (their names after <see cref="Prefix"/> are
    /// matched, with their sizes and last-modified times); null deletes every one.</summary>
    public TransferFilter? Filter { get; init; }

    /// <summary>Entries of a listing made already (a sync's extras: what its dry run showed is what goes), deleted as a
    /// listing's are; the container is not listed again. Not with <see cref="Objects"/>.</summary>
    public IReadOnlyList<ObjectEntry>? Listed { get; init; }

    /// <summary>List what would be deleted and delete nothing: each object ends as <see cref="FilePlanned"/>.</summary>
    public bool DryRun { get; init; }
}

/// <summary>
/// Deletes objects (Static Large Objects with their segments) in parallel, pausing on an outage as uploads and downloads
/// do: every object ends as one <see cref="FileDeleted"/>, a <see cref="FileSkipped"/> (not found), a
/// <see cref="FileFailed"/>, or a <see cref="FileNotAttempted"/> when the endpoint was down for longer than the budget.
/// A container's listing goes to Swift's bulk delete when the cluster has it (<see cref="SwiftCapabilities.BulkDeleteSupported"/>):
/// <see cref="ObjectStoreSettings.BulkDeleteMaxPerRequest"/> names a request, large objects on their own so their
/// segments go too; named objects, and every object on a cluster without bulk delete, one request each. It is a run of
/// the public stages: a <see cref="ObjectStoreStreams.Listing(ObjectStoreClient, string, ListOptions?, TransferFilter?, TransferOptions)"/>
/// (or <see cref="ObjectEntry.Named"/> entries) through <see cref="ObjectStoreStreams.Delete(ObjectStoreClient, string, TransferOptions)"/>
/// in <see cref="ObjectStoreStreams.Run{TIn}(Func{TransferOptions, Source{TIn, NotUsed}}, Func{TransferOptions, Flow{TIn, FileResult, Task}}, TransferOptions, IMaterializer, Action{FileResult}?, string, CancellationToken)"/>.
/// </summary>
public sealed class BatchDeleter
{
    private readonly ObjectStoreClient _client;
    private readonly IMaterializer _materializer;

    /// <summary>Creates a deleter that runs its streams in <paramref name="system"/>.</summary>
    public BatchDeleter(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
    }

    /// <summary>Starts deleting; the listing, when there is one, is read page by page as the deletes go.</summary>
    /// <param name="job">What to delete.</param>
    /// <param name="onResult">Called once per object, from one thread at a time.</param>
    /// <param name="cancellationToken">Abandons the deletes in flight; <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <returns>The run; its completion fails with an <see cref="Http.OpenStackException"/> when the listing does (the
    /// container does not exist, the cloud cannot be reached).</returns>
    /// <exception cref="ArgumentException">The job names objects and has a filter: a filter selects from a listing.</exception>
    public Task<TransferRun> StartAsync(DeleteJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Objects is not null && (job.Filter is not null || job.Listed is not null))
            throw new ArgumentException("A delete job names its objects, or takes a listing (filtered, or made already), not both", nameof(job));
        var container = job.Container;
        Source<ObjectEntry, NotUsed> Source(TransferOptions o) =>
            job.Objects is { } names ? Akka.Streams.Dsl.Source.From(names.Select(ObjectEntry.Named))
            : job.Listed is { } entries ? ObjectStoreStreams.Selected(Akka.Streams.Dsl.Source.From(entries), job.Prefix, job.Filter)
            : ObjectStoreStreams.Listing(_client, container, new ListOptions { Prefix = job.Prefix }, job.Filter, o);
        return Task.FromResult(ObjectStoreStreams.Run(Source, o => ObjectStoreStreams.Delete(_client, container, o),
            new TransferOptions { Settings = job.Settings ?? _client.Settings, DryRun = job.DryRun }, _materializer, onResult, "delete", cancellationToken));
    }
}
