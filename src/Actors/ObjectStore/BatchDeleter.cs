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
}

/// <summary>
/// Deletes objects (Static Large Objects with their segments) in parallel, pausing on an outage as uploads and downloads
/// do: every object ends as one <see cref="FileDeleted"/>, a <see cref="FileSkipped"/> (not found), a
/// <see cref="FileFailed"/>, or a <see cref="FileNotAttempted"/> when the endpoint was down for longer than the budget.
/// </summary>
public sealed class BatchDeleter
{
    private readonly ObjectStoreClient _client;
    private readonly IMaterializer _materializer;
    private readonly IScheduler _scheduler;

    /// <summary>Creates a deleter that runs its streams in <paramref name="system"/>.</summary>
    public BatchDeleter(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
        _scheduler = system.Scheduler;
    }

    /// <summary>Starts deleting; the listing, when there is one, is read page by page as the deletes go.</summary>
    /// <param name="job">What to delete.</param>
    /// <param name="onResult">Called once per object, from one thread at a time.</param>
    /// <param name="cancellationToken">Abandons the deletes in flight; <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <exception cref="ArgumentException">The job names objects and has a filter: a filter selects from a listing.</exception>
    public async Task<TransferRun> StartAsync(DeleteJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Objects is not null && job.Filter is not null)
            throw new ArgumentException("A delete job names its objects or filters a listing, not both", nameof(job));
        var settings = job.Settings ?? _client.Settings;
        var monitor = await _client.OutageMonitorAsync(job.Container, settings, _scheduler, settings.Transfers, cancellationToken).ConfigureAwait(false);
        // A named object's kind is unknown (null: ask); a listed one says whether it is a large object.
        var targets = job.Objects is { } names
            ? Source.From(names.Select(n => (Name: n, Large: (bool?)null)))
            : TransferRunner.Listing(_client, job.Container, job.Prefix, job.Filter, monitor, cancellationToken)
                .Select(e => (Name: e.Name, Large: (bool?)(e.SloETag is not null)));
        return TransferRunner.Start(targets, settings.Transfers, t => DeleteOneAsync(job.Container, t.Name, t.Large, cancellationToken),
            (t, reason) => new FileNotAttempted(job.Container + "/" + t.Name, t.Name, 0, reason),
            new TransferProgress(), monitor, settings, onResult, _materializer, "delete", cancellationToken);
    }

    private async Task<FileResult> DeleteOneAsync(string container, string name, bool? large, CancellationToken cancellationToken)
    {
        var path = container + "/" + name;
        try
        {
            return await _client.DeleteObjectAsync(container, name, withSegments: large ?? true, cancellationToken).ConfigureAwait(false)
                ? new FileDeleted(path, name)
                : new FileSkipped(path, name, 0, "not found");
        }
        catch (Exception e)
        {
            return new FileFailed(path, name, 0, FailureText.Describe(e)) { Error = e };
        }
    }
}
