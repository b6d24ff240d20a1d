using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

// The download and delete flows.
public static partial class ObjectStoreStreams
{
    /// <summary>
    /// Downloads listed objects (<see cref="Listing(ObjectStoreClient, string, ListOptions?, TransferFilter?)"/>) of <paramref name="container"/> into <paramref name="targetDirectory"/>,
    /// as the CLI's download does: <c>TargetDirectory/&lt;object name&gt;</c> (a name that would leave the directory fails),
    /// every file verified against its MD5 (segment by segment for a large object), a local file of the same MD5 kept unless
    /// the skip mode is <see cref="SkipMode.None"/>, pseudo-directory markers made directories. On its first entry the flow
    /// checks that the container exists (and fails with a 404 when it does not) and creates the directory.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container the entries were listed from.</param>
    /// <param name="targetDirectory">The directory (created if missing).</param>
    /// <param name="settings">Transfers, bytes in flight, skip mode, outage budget and retries; null takes the client's.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public static Flow<ObjectEntry, FileResult, Task> Download(ObjectStoreClient client, string container, string targetDirectory,
        ObjectStoreSettings? settings = null) =>
        Download(client, container, targetDirectory, new TransferOptions { Settings = settings });

    /// <summary>As the other overload, with its counters, outage watch, final passes and dry run (no directory or file is
    /// written) in <paramref name="options"/>: composed with a listing and a sink, the CLI's download.</summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container the entries were listed from.</param>
    /// <param name="targetDirectory">The directory (created if missing, unless it is a dry run).</param>
    /// <param name="options">How the flow runs.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public static Flow<ObjectEntry, FileResult, Task> Download(ObjectStoreClient client, string container, string targetDirectory, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(targetDirectory);
        ArgumentNullException.ThrowIfNull(options);
        var s = options.Settings ?? client.Settings;
        var root = Path.GetFullPath(targetDirectory);
        return Stage<ObjectEntry, ObjectDownloader>(client, container, s, options, s.Transfers,
            async (_, ct) =>
            {
                // The first request to the object store fails at once when it cannot be reached (see OutageMonitorAsync).
                await client.GetContainerAsync(container, ct).ConfigureAwait(false);
                if (!options.DryRun) Directory.CreateDirectory(root);
                return new ObjectDownloader(client, container, root, s, options.Progress ?? new TransferProgress(), ct) { DryRun = options.DryRun };
            },
            (p, entry, _) => p.Worker.DownloadAsync(entry), (entry, reason) => ObjectDownloader.NotAttempted(root, entry, reason));
    }

    /// <summary>
    /// Deletes listed objects (<see cref="Listing(ObjectStoreClient, string, ListOptions?, TransferFilter?)"/>) of <paramref name="container"/>, a Static Large Object with its
    /// segments. Where the cluster has Swift's bulk delete (<see cref="SwiftCapabilities.BulkDeleteSupported"/>) plain
    /// objects go up to <see cref="ObjectStoreSettings.BulkDeleteMaxPerRequest"/> names a request, a request leaving once it
    /// is full or <see cref="ObjectStoreSettings.BulkDeleteLinger"/> after its first name; elsewhere one DELETE each, at
    /// most <see cref="ObjectStoreSettings.Transfers"/> at once. An entry known by its name only (<see cref="ObjectEntry.Named"/>)
    /// has its own DELETE, after a HEAD that tells whether its segments go too.
    /// Each ends as <see cref="FileDeleted"/>, <see cref="FileSkipped"/> (not found), <see cref="FileFailed"/> or
    /// <see cref="FileNotAttempted"/>.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container the entries were listed from.</param>
    /// <param name="settings">Parallel requests (<see cref="ObjectStoreSettings.Transfers"/>), bulk delete, outage budget and retries; null takes the client's.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public static Flow<ObjectEntry, FileResult, Task> Delete(ObjectStoreClient client, string container, ObjectStoreSettings? settings = null) =>
        Delete(client, container, new TransferOptions { Settings = settings });

    /// <summary>As the other overload, with its outage watch, final passes (a bulk request's names that failed transiently
    /// wait for the next pass) and dry run (each entry ends as a <see cref="FilePlanned"/>, and nothing is sent) in
    /// <paramref name="options"/>: composed with a listing (or named entries) and a sink, the CLI's delete.</summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container the entries were listed from.</param>
    /// <param name="options">How the flow runs.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public static Flow<ObjectEntry, FileResult, Task> Delete(ObjectStoreClient client, string container, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        SwiftNames.ValidateContainer(container);
        if (options.DryRun)
            return Flow.Create<ObjectEntry>().Select(e => (FileResult)new FilePlanned(container + "/" + e.Name, e.Name, 0, TransferAction.Delete))
                .MapMaterializedValue(_ => Task.CompletedTask);
        var s = options.Settings ?? client.Settings;
        Task<ObjectDeleter> Prepare(OutageMonitor _, CancellationToken ct) => ObjectDeleter.CreateAsync(client, container, s, ct);
        var stage = options.FinalPass
            ? Stage<IReadOnlyList<ObjectEntry>, ObjectDeleter>(client, container, s, options, s.Transfers, Prepare,
                (p, group) => p.Worker.TryGroupAsync(group), (group, reason) => ObjectDeleter.NotAttempted(container, group, reason))
            : Stage<IReadOnlyList<ObjectEntry>, ObjectDeleter>(client, container, s, options, s.Transfers, Prepare,
                (p, group, ct) => DeleteGroupAsync(s, p, group, ct));
        return Flow.Create<ObjectEntry>()
            .GroupedWithin(Math.Max(1, s.BulkDeleteMaxPerRequest), s.BulkDeleteLinger)
            .Select(g => (IReadOnlyList<ObjectEntry>)g.ToList())
            .ViaMaterialized(stage, Keep.Right);
    }

    /// <summary>A group of entries, its transient failures tried again in place: a bulk request's one by one.</summary>
    private static async Task<IReadOnlyList<FileResult>> DeleteGroupAsync(ObjectStoreSettings settings, Prepared<ObjectDeleter> p,
        IReadOnlyList<ObjectEntry> group, CancellationToken cancellationToken)
    {
        var results = new List<FileResult>(group.Count);
        var singles = new List<Task<FileResult>>();
        foreach (var (batch, one) in p.Worker.Plan(group))
        {
            if (one is { } entry)
            {
                singles.Add(Attempt(p.Monitor, settings, entry, e => p.Worker.DeleteOneAsync(e), p.Worker.NotAttemptedOne, cancellationToken));
                continue;
            }
            if (await TransferRunner.WaitForTurnAsync(batch!, null, p.Worker.NotAttempted, p.Monitor, null, cancellationToken).ConfigureAwait(false) is { } final)
            {
                results.AddRange(final);
                continue;
            }
            var attempt = await p.Worker.DeleteBatchAsync(batch!).ConfigureAwait(false);
            p.Monitor.Release(attempt.Error);
            results.AddRange(attempt.Done);
            foreach (var name in attempt.Again?.Names ?? [])
                singles.Add(Attempt(p.Monitor, settings, ObjectEntry.Named(name), e => p.Worker.DeleteOneAsync(e, large: false), p.Worker.NotAttemptedOne,
                    cancellationToken));
        }
        results.AddRange(await Task.WhenAll(singles).ConfigureAwait(false));
        return results;
    }
}
