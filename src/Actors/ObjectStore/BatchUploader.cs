using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Uploads a directory tree to a container with Akka.Streams: a lazy walk feeds <c>SelectAsyncUnordered</c> with
/// bounded parallelism (so backpressure reaches the walk and memory stays flat), every transfer is admitted by a gate
/// bounding transfers and bytes in flight, objects already stored are skipped, files above the segment size become
/// Static Large Objects whose segments go in parallel and whose manifest is stored last. Every file ends as exactly one
/// <see cref="FileResult"/>; a failing file never stops the others.
/// </summary>
public sealed class BatchUploader
{
    private readonly ObjectStoreClient _client;
    private readonly IMaterializer _materializer;
    private readonly IScheduler _scheduler;

    /// <summary>Creates an uploader that runs its streams in <paramref name="system"/>.</summary>
    public BatchUploader(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
        _scheduler = system.Scheduler;
    }

    /// <summary>Uploads and returns the summary (see <see cref="StartAsync"/>).</summary>
    public async Task<TransferSummary> UploadAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the directory, reads the cluster's limits, creates the container, and starts the upload. A transient
    /// failure (here or in any file) pauses the run until the endpoint answers again, for up to
    /// <see cref="ObjectStoreSettings.OutageBudget"/>.
    /// </summary>
    /// <param name="job">What to upload where.</param>
    /// <param name="onResult">Called once per file, in completion order, from one thread at a time (e.g. a report writer).</param>
    /// <param name="cancellationToken">Abandons the transfers in flight (they are reported failed); <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <exception cref="DirectoryNotFoundException">The source is not a directory.</exception>
    /// <exception cref="Http.OpenStackException">The container cannot be created (e.g. Swift refused its name) or the cloud is unreachable.</exception>
    public async Task<TransferRun> StartAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var root = Path.GetFullPath(job.SourceDirectory);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"'{job.SourceDirectory}' is not a directory");
        SwiftNames.ValidateContainer(job.Container);
        var settings = job.Settings ?? _client.Settings;
        var parallelism = settings.Transfers * 2;
        var monitor = await _client.OutageMonitorAsync(job.Container, settings, _scheduler, parallelism, cancellationToken).ConfigureAwait(false);
        // The first request to the object store is not retried through the monitor either (see OutageMonitorAsync).
        var capabilities = await _client.GetCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        var created = await monitor.RetryAsync(ct => _client.CreateContainerAsync(job.Container, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        var existing = settings.Skip == SkipMode.None ? null
            : await monitor.RetryAsync(ct => ExistingObjects.LoadAsync(_client, job.Container, job.Prefix, settings.PreloadListingLimit, created, ct),
                cancellationToken).ConfigureAwait(false);

        var progress = new TransferProgress();
        var worker = new FileUploader(_client, job.Container, settings, capabilities, progress, cancellationToken, existing);
        var walk = Source.From(LocalFiles.Walk(root, job.Prefix, job.Filter))
            .WithAttributes(ActorAttributes.CreateDispatcher("akka.stream.default-blocking-io-dispatcher"))
            .Async();   // the walk blocks on the file system: its own island on the blocking-io dispatcher
        // Twice the transfers: files being looked up and hashed do not hold a transfer slot (the gate bounds the PUTs).
        return TransferRunner.Start(walk, parallelism, worker.ProcessAsync,
            (e, reason) => new FileNotAttempted(e.Path, e.ObjectName, e is LocalFile f ? f.Length : 0, reason),
            progress, monitor, settings, onResult, _materializer, "upload", cancellationToken);
    }
}
