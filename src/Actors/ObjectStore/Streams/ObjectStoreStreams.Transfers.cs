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
    /// is full or <see cref="ObjectStoreSettings.BulkDeleteLinger"/> after its first name; elsewhere one DELETE each.
    /// Each ends as <see cref="FileDeleted"/>, <see cref="FileSkipped"/> (not found), <see cref="FileFailed"/> or
    /// <see cref="FileNotAttempted"/>.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container the entries were listed from.</param>
    /// <param name="settings">Parallel requests (<see cref="ObjectStoreSettings.Transfers"/>), bulk delete, outage budget and retries; null takes the client's.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public static Flow<ObjectEntry, FileResult, Task> Delete(ObjectStoreClient client, string container, ObjectStoreSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var s = settings ?? client.Settings;
        var stage = Stage<IReadOnlyList<ObjectEntry>, ObjectDeleter>(client, container, s, new TransferOptions { Settings = s }, s.Transfers,
            async (_, ct) => new ObjectDeleter(client, container, s, await client.GetCapabilitiesAsync(ct).ConfigureAwait(false), ct),
            (p, group, ct) => DeleteGroupAsync(client, container, s, p, group, ct));
        return Flow.Create<ObjectEntry>()
            .GroupedWithin(Math.Max(1, s.BulkDeleteMaxPerRequest), s.BulkDeleteLinger)
            .Select(g => (IReadOnlyList<ObjectEntry>)g.ToList())
            .ViaMaterialized(stage, Keep.Right);
    }

    /// <summary>A group of listed objects: in bulk requests of the cluster's size where it has them, else one by one;
    /// a bulk request's names that failed transiently are tried again one by one.</summary>
    private static async Task<IReadOnlyList<FileResult>> DeleteGroupAsync(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        Prepared<ObjectDeleter> p, IReadOnlyList<ObjectEntry> group, CancellationToken cancellationToken)
    {
        var results = new List<FileResult>(group.Count);
        Task<FileResult> One(string name, bool large) => Attempt(p.Monitor, settings, name,
            n => ObjectDeleter.DeleteOneAsync(client, container, n, large, cancellationToken),
            (n, reason) => new FileNotAttempted(container + "/" + n, n, 0, reason), cancellationToken);
        var targets = group.Select(e => (e.Name, Large: (bool?)(e.SloETag is not null)));
        if (p.Worker.PerRequest == 0)
        {
            foreach (var (name, large) in targets) results.Add(await One(name, large == true).ConfigureAwait(false));
            return results;
        }
        foreach (var batch in targets.Chunk(p.Worker.PerRequest).SelectMany(ObjectDeleter.Split))
        {
            if (await TransferRunner.WaitForTurnAsync(batch, null, p.Worker.NotAttempted, p.Monitor, null, cancellationToken).ConfigureAwait(false) is { } final)
            {
                results.AddRange(final);
                continue;
            }
            var attempt = await p.Worker.DeleteBatchAsync(batch).ConfigureAwait(false);
            p.Monitor.Release(attempt.Error);
            results.AddRange(attempt.Done);
            foreach (var name in attempt.Again?.Names ?? []) results.Add(await One(name, batch.Large).ConfigureAwait(false));
        }
        return results;
    }
}
