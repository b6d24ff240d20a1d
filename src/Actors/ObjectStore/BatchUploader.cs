using Akka.Actor;
using Akka.Streams;
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
        var target = await UploadPreparation.PrepareAsync(_client, job,
            (settings, ct) => _client.OutageMonitorAsync(job.Container, settings, _scheduler, Parallelism(settings), ct), cancellationToken).ConfigureAwait(false);
        var (settings, monitor) = (target.Settings, target.Monitor!);
        var existing = settings.Skip == SkipMode.None ? null
            : await monitor.RetryAsync(ct => ExistingObjects.LoadAsync(_client, job.Container, job.Prefix, settings.PreloadListingLimit, target.ContainerCreated, ct),
                cancellationToken).ConfigureAwait(false);

        var progress = new TransferProgress();
        var worker = new FileUploader(_client, job.Container, settings, target.Capabilities, progress, cancellationToken, existing, job.DryRun);
        return TransferRunner.Start(target.Walk(job.Prefix, job.Filter), Parallelism(settings), worker.ProcessAsync,
            (e, reason) => new FileNotAttempted(e.Path, e.ObjectName, e is LocalFile f ? f.Length : 0, reason),
            progress, monitor, settings, onResult, _materializer, "upload", cancellationToken);
    }

    /// <summary>Twice the transfers: files being looked up and hashed do not hold a transfer slot (the gate bounds the PUTs).</summary>
    private static int Parallelism(ObjectStoreSettings settings) => settings.Transfers * 2;
}
