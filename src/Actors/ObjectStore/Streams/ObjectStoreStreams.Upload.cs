using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

// The upload flows: of local files (a walk's entries) and of items a program produces.
public static partial class ObjectStoreStreams
{
    /// <summary>
    /// Uploads the entries of a walk (<see cref="LocalDirectory"/>, <see cref="LocalFile"/>) to <paramref name="container"/>, as
    /// the CLI's upload does: objects stored already are skipped as <see cref="ObjectStoreSettings.Skip"/> says (by size and
    /// mtime, or by MD5, of the whole or of every segment), files above <see cref="ObjectStoreSettings.SegmentSize"/> become
    /// Static Large Objects whose segments go in parallel and whose manifest is stored last. On its first entry the flow
    /// reads the cluster's limits and creates the container (and fails when it cannot).
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container (created if missing; segments go to <c>&lt;container&gt;_segments</c>).</param>
    /// <param name="settings">Transfers, bytes in flight, skip mode, segment size, outage budget and retries; null takes the client's.</param>
    /// <param name="headers">Headers for every object (see <see cref="UploadJob.Headers"/>), or null.</param>
    /// <param name="progress">Counters the flow adds its bytes sent and transfers in flight to (results are the caller's to
    /// record, see <see cref="TransferTally"/>), or null.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, or a header cannot be set.</exception>
    public static Flow<LocalEntry, FileResult, Task> UploadFiles(ObjectStoreClient client, string container, ObjectStoreSettings? settings = null,
        IReadOnlyDictionary<string, string>? headers = null, TransferProgress? progress = null) =>
        UploadFiles(client, container, new TransferOptions { Settings = settings, Headers = headers, Progress = progress });

    /// <summary>As the other overload, with everything a run needs in <paramref name="options"/> (its headers, counters,
    /// outage watch, final passes, dry run): composed with a source and a sink, the CLI's upload.</summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container (created if missing, unless it is a dry run; segments go to <c>&lt;container&gt;_segments</c>).</param>
    /// <param name="options">How the flow runs.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, or a header cannot be set.</exception>
    public static Flow<LocalEntry, FileResult, Task> UploadFiles(ObjectStoreClient client, string container, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        UploadHeaders.Validate(options.Headers);
        var s = options.Settings ?? client.Settings;
        return FilesFlow(client, container, s, options, (monitor, ct) => PreparedUploaderAsync(client, container, s, options, monitor, ct));
    }

    /// <summary>The flow of local files, prepared by <paramref name="prepare"/> on its first entry.</summary>
    internal static Flow<LocalEntry, FileResult, Task> FilesFlow(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, Func<OutageMonitor, CancellationToken, Task<FileUploader>> prepare) =>
        // Twice the transfers: files being looked up and hashed hold no transfer slot (the gate bounds the PUTs).
        Stage<LocalEntry, FileUploader>(client, container, settings, options, settings.Transfers * 2, prepare,
            (p, entry, _) => p.Worker.ProcessAsync(entry), NotUploaded);

    /// <summary>
    /// Uploads the items a program produces (reports, exports, generated files) to <paramref name="container"/> as they come,
    /// with backpressure: at most <see cref="ObjectStoreSettings.Transfers"/> items in flight and their bytes within
    /// <see cref="ObjectStoreSettings.MaxBytesInFlight"/>, so a fast producer waits for Swift. See <see cref="UploadItem"/>
    /// for how an item is sent; an item that fails (its producer threw, Swift refused it) ends as a <see cref="FileFailed"/>
    /// and the others go on.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container (created if missing on the first item).</param>
    /// <param name="settings">Transfers, bytes in flight, skip mode, segment size, outage budget and retries; null takes the client's.</param>
    /// <returns>A flow of one result per item (whose path is its object name), in completion order; its materialized value
    /// completes when the work it started has ended.</returns>
    public static Flow<UploadItem, FileResult, Task> Upload(ObjectStoreClient client, string container, ObjectStoreSettings? settings = null) =>
        Upload(client, container, new TransferOptions { Settings = settings });

    /// <summary>As the other overload, with its counters, outage watch, final passes (for items sent in one PUT) and dry run in <paramref name="options"/>
    /// (its <see cref="TransferOptions.Headers"/> are not used: an item has its own).</summary>
    /// <param name="client">The client.</param>
    /// <param name="container">The container (created if missing on the first item, unless it is a dry run).</param>
    /// <param name="options">How the flow runs.</param>
    /// <returns>A flow of one result per item (whose path is its object name), in completion order; its materialized value
    /// completes when the work it started has ended.</returns>
    public static Flow<UploadItem, FileResult, Task> Upload(ObjectStoreClient client, string container, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var s = options.Settings ?? client.Settings;
        return Stage<UploadItem, FileUploader>(client, container, s, options, s.Transfers,
            (monitor, ct) => PreparedUploaderAsync(client, container, s, options with { Headers = null }, monitor, ct),
            // A streamed item is read once: each of its PUTs waits out outages and is retried in place.
            (p, item, _) => p.Worker.Streamed(item) ? p.Worker.ProcessStreamedItemAsync(item, p.Monitor) : p.Worker.ProcessItemAsync(item),
            (i, reason) => new FileNotAttempted(i.ObjectName, i.ObjectName, i.Length ?? 0, reason),
            inPlace: (p, item) => p.Worker.Streamed(item));
    }

    /// <summary>
    /// Checks an upload job as <see cref="BatchUploader"/> does (its source a directory or one file, the container's name,
    /// the headers), reads the cluster's limits and creates the container (a dry run only asks whether it exists): the walk
    /// of its source and the flow that uploads it, which a program runs through its own stream (or over a cluster).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The source is neither a directory nor a file.</exception>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, a header cannot be set, or an object name was given for a directory.</exception>
    /// <exception cref="Http.OpenStackException">The container cannot be created or the cloud is unreachable.</exception>
    public static async Task<PreparedUpload> PrepareUploadAsync(ObjectStoreClient client, UploadJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var target = await UploadPreparation.PrepareAsync(client, job, monitorFor: null, cancellationToken).ConfigureAwait(false);
        return new PreparedUpload(client, job, target);
    }

    /// <summary>The per-file result of an upload that never started.</summary>
    internal static FileResult NotUploaded(LocalEntry entry, string reason) =>
        new FileNotAttempted(entry.Path, entry.ObjectName, entry is LocalFile f ? f.Length : 0, reason);

    /// <summary>The worker of a flow that prepares on its first item: the container's checks, <c>/info</c> and the container, then <see cref="UploaderAsync"/>.</summary>
    private static async Task<FileUploader> PreparedUploaderAsync(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, OutageMonitor monitor, CancellationToken cancellationToken)
    {
        var (_, capabilities, created, _) = await UploadPreparation.PrepareContainerAsync(client, container, settings, options.Headers,
            (_, _) => Task.FromResult(monitor), cancellationToken, options.DryRun).ConfigureAwait(false);
        return await UploaderAsync(client, container, settings, options, capabilities, created, null, true, monitor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The worker of an upload whose container is ready: the listing that decides the skips (of the objects under
    /// <paramref name="prefix"/>, when <paramref name="list"/> and the skip mode looks), then the uploader.</summary>
    internal static async Task<FileUploader> UploaderAsync(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        TransferOptions options, SwiftCapabilities capabilities, bool created, string? prefix, bool list, OutageMonitor monitor, CancellationToken cancellationToken)
    {
        var existing = settings.Skip == SkipMode.None || !list ? null
            : await monitor.RetryAsync(ct => ExistingObjects.LoadAsync(client, container, prefix, settings, created, ct), cancellationToken)
                .ConfigureAwait(false);
        return new FileUploader(client, container, settings, capabilities, options.Progress ?? new TransferProgress(), cancellationToken, existing,
            options.Headers, options.DryRun) { DiscardsSegments = !options.KeepSegments };
    }
}
