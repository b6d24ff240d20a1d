using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// The object store as Akka.Streams stages, the pieces the CLI's uploads, downloads, syncs and deletes are made of:
/// sources of a container's listing and of a local directory walk, and flows that upload, download and delete. The
/// flows run <see cref="ObjectStoreSettings.Transfers"/> items at once (unordered), admit bytes within
/// <see cref="ObjectStoreSettings.MaxBytesInFlight"/>, skip what is stored already as <see cref="ObjectStoreSettings.Skip"/>
/// says, and pause while the endpoint is down (for up to <see cref="ObjectStoreSettings.OutageBudget"/>; items after that
/// end as <see cref="FileNotAttempted"/>). Every item ends as exactly one <see cref="FileResult"/>; a failing item never
/// fails the stream, only a failure to start (an unreachable cloud, a container Swift refuses) does. A flow's materialized
/// value completes when the work it started has ended, cleanup included: after a downstream cancellation or an upstream
/// failure, the transfers in flight are cancelled and a large object whose manifest was not stored has its segments deleted.
/// </summary>
public static partial class ObjectStoreStreams
{
    /// <summary>
    /// A container's listing, every page of it, read page by page as downstream asks (memory holds one page). Entries the
    /// filter leaves out are dropped; with a delimiter the pseudo-directories come as entries whose
    /// <see cref="ObjectEntry.IsSubdir"/> is true.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container.</param>
    /// <param name="options">Prefix, delimiter, markers and page size; null lists everything.</param>
    /// <param name="filter">Which entries to keep (their names after the prefix are matched, with their sizes and times), or null for all.</param>
    /// <returns>A source that fails with <see cref="Http.HttpErrorException"/> (404) when the container does not exist.</returns>
    public static Source<ObjectEntry, NotUsed> Listing(ObjectStoreClient client, string container, ListOptions? options = null, TransferFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        SwiftNames.ValidateContainer(container);
        return MonitoredListing(client, container, options, filter, null);
    }

    /// <summary>
    /// As the other overload, for a run (<see cref="TransferOptions"/>): with a <see cref="TransferOptions.Watch"/>, a page
    /// that fails transiently pauses the run (the listing and the run's flow share the watch's outage monitor) and is asked
    /// again once the endpoint answers, within <see cref="ObjectStoreSettings.OutageBudget"/>, as the CLI's downloads and
    /// deletes list; without one, it is the other overload.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container.</param>
    /// <param name="options">Prefix, delimiter, markers and page size; null lists everything.</param>
    /// <param name="filter">Which entries to keep, or null for all.</param>
    /// <param name="run">The run's settings, watch and cancellation.</param>
    /// <returns>A source that fails with <see cref="Http.HttpErrorException"/> (404) when the container does not exist, or
    /// with <see cref="OutageBudgetExceededException"/> when a page waited for longer than the budget.</returns>
    public static Source<ObjectEntry, NotUsed> Listing(ObjectStoreClient client, string container, ListOptions? options, TransferFilter? filter,
        TransferOptions run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Watch is not { } watch) return Listing(client, container, options, filter);
        ArgumentNullException.ThrowIfNull(client);
        SwiftNames.ValidateContainer(container);
        var settings = run.Settings ?? client.Settings;
        return Source.Setup((materializer, _) =>
        {
            async IAsyncEnumerable<ObjectEntry> Pages()
            {
                var monitor = await watch.MonitorAsync(() =>
                    client.OutageMonitorAsync(container, settings, materializer.System.Scheduler, settings.Transfers, run.Cancellation)).ConfigureAwait(false);
                await foreach (var e in client.ListObjectsAsync(container, options, monitor, run.Cancellation).ConfigureAwait(false)) yield return e;
            }
            return Selected(Source.From(Pages), options?.Prefix, filter);
        }).MapMaterializedValue(_ => NotUsed.Instance);
    }

    /// <summary>The listing of a run whose pages, when they fail transiently, pause it through <paramref name="monitor"/>.</summary>
    internal static Source<ObjectEntry, NotUsed> MonitoredListing(ObjectStoreClient client, string container, ListOptions? options, TransferFilter? filter,
        OutageMonitor? monitor, CancellationToken cancellationToken = default) =>
        Selected(Source.From(() => client.ListObjectsAsync(container, options, monitor, cancellationToken)), options?.Prefix, filter);

    /// <summary>The entries of a listing under <paramref name="prefix"/> that <paramref name="filter"/> takes.</summary>
    internal static Source<ObjectEntry, NotUsed> Selected(Source<ObjectEntry, NotUsed> listing, string? prefix, TransferFilter? filter) =>
        filter is null or { IsEverything: true } ? listing : listing.Where(e => filter.IncludesObject(e, prefix));

    /// <summary>
    /// The files below <paramref name="root"/> that the filter takes, walked depth-first and lazily as downstream asks (one
    /// open directory per level of depth, never a list of the tree), on the blocking-I/O dispatcher. Paths that cannot be
    /// read come as <see cref="LocalProblem"/>, links to directories as <see cref="LocalIgnored"/>; the upload flows turn
    /// them into failed and skipped results.
    /// </summary>
    /// <param name="root">The directory.</param>
    /// <param name="prefix">Put before every object name (a pseudo-directory), or null.</param>
    /// <param name="filter">Which files to take (their paths below the root are matched), or null for all.</param>
    /// <returns>A source that fails with <see cref="DirectoryNotFoundException"/> when the root is not a directory.</returns>
    public static Source<LocalEntry, NotUsed> LocalDirectory(string root, string? prefix = null, TransferFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Blocking(Source.From(LocalFiles.Walk(root, prefix, filter)));
    }

    /// <summary>One local file as a walk of one, named <paramref name="objectName"/> (when the filter takes it).</summary>
    /// <param name="path">The file.</param>
    /// <param name="objectName">Its object name.</param>
    /// <param name="filter">Applied to the file's name, or null.</param>
    public static Source<LocalEntry, NotUsed> LocalFile(string path, string objectName, TransferFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(objectName);
        return Blocking(Source.From(LocalFiles.One(path, objectName, filter)));
    }

    // The walk blocks on the file system: an island of its own on the blocking-I/O dispatcher. A walk is an iterator:
    // each materialization walks anew.
    private static Source<LocalEntry, NotUsed> Blocking(Source<LocalEntry, NotUsed> walk) =>
        walk.WithAttributes(ActorAttributes.CreateDispatcher("akka.stream.default-blocking-io-dispatcher")).Async();
}
