using Akka.Actor;
using Akka.Streams;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Uploads a directory tree (or one file, or a stream) to a container with Akka.Streams: a lazy walk feeds <c>SelectAsyncUnordered</c> with
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

    /// <summary>Uploads and returns the summary (see <see cref="StartAsync(UploadJob, Action{FileResult}?, CancellationToken)"/>).</summary>
    public async Task<TransferSummary> UploadAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the source (a directory, or one file: a walk of one), reads the cluster's limits, creates the container, and
    /// starts the upload. A transient
    /// failure (here or in any file) pauses the run until the endpoint answers again, for up to
    /// <see cref="ObjectStoreSettings.OutageBudget"/>.
    /// </summary>
    /// <param name="job">What to upload where.</param>
    /// <param name="onResult">Called once per file, in completion order, from one thread at a time (e.g. a report writer).</param>
    /// <param name="cancellationToken">Abandons the transfers in flight (they are reported failed); <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <exception cref="DirectoryNotFoundException">The source is neither a directory nor a file.</exception>
    /// <exception cref="ArgumentException">A header cannot be set, or an object name was given with a directory.</exception>
    /// <exception cref="Http.OpenStackException">The container cannot be created (e.g. Swift refused its name) or the cloud is unreachable.</exception>
    public async Task<TransferRun> StartAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var target = await UploadPreparation.PrepareAsync(_client, job,
            (settings, ct) => _client.OutageMonitorAsync(job.Container, settings, _scheduler, Parallelism(settings), ct), cancellationToken).ConfigureAwait(false);
        var (settings, monitor) = (target.Settings, target.Monitor!);
        // One file is looked up by a HEAD: a listing would cost more.
        var existing = settings.Skip == SkipMode.None || target.FileObjectName is not null ? null
            : await monitor.RetryAsync(ct => ExistingObjects.LoadAsync(_client, job.Container, job.Prefix, settings.PreloadListingLimit, target.ContainerCreated, ct),
                cancellationToken).ConfigureAwait(false);

        var progress = new TransferProgress();
        var worker = new FileUploader(_client, job.Container, settings, target.Capabilities, progress, cancellationToken, existing, job.Headers, job.DryRun);
        return TransferRunner.Start(target.Walk(job.Prefix, job.Filter), Parallelism(settings), worker.ProcessAsync,
            (e, reason) => new FileNotAttempted(e.Path, e.ObjectName, e is LocalFile f ? f.Length : 0, reason),
            progress, monitor, settings, onResult, _materializer, "upload", cancellationToken);
    }

    /// <summary>Uploads a stream and returns the summary (see <see cref="StartAsync(StreamUploadJob, Stream, Action{FileResult}?, CancellationToken)"/>).</summary>
    public async Task<TransferSummary> UploadAsync(StreamUploadJob job, Stream input, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, input, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the cluster's limits, creates the container, and starts the upload of a stream of unknown length (standard
    /// input) as one object: one PUT when it ends within one <see cref="ObjectStoreSettings.SegmentSize"/>, else a Static
    /// Large Object whose segments are read, hashed and stored one at a time (memory holds one segment, which is what a
    /// transient failure sends again). A segment that fails for good fails the run, and the segments stored before are
    /// deleted (the failure says so, or where they are). Its one result has the path <c>-</c>.
    /// </summary>
    /// <param name="job">Where to, and the headers.</param>
    /// <param name="input">The stream, read to its end (not disposed).</param>
    /// <param name="onResult">Called once, with the stream's result.</param>
    /// <param name="cancellationToken">Abandons the upload (its segments are deleted). <see cref="TransferRun.Stop"/> does not
    /// stop a stream: it is one transfer, already in flight.</param>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, or a header cannot be set.</exception>
    /// <exception cref="Http.OpenStackException">The container cannot be created or the cloud is unreachable.</exception>
    public async Task<TransferRun> StartAsync(StreamUploadJob job, Stream input, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(input);
        var (settings, capabilities, _, monitor) = await UploadPreparation.PrepareContainerAsync(_client, job.Container, job.Settings, job.Headers,
            (s, ct) => _client.OutageMonitorAsync(job.Container, s, _scheduler, 1, ct), cancellationToken).ConfigureAwait(false);
        var progress = new TransferProgress();
        var run = new TransferRun(progress, KillSwitches.Shared("upload-stream"), monitor);
        var worker = new FileUploader(_client, job.Container, settings, capabilities, progress, cancellationToken, headers: job.Headers);
        var summary = new SummaryBuilder(settings.MaxFailuresInSummary);
        async Task<TransferSummary> RunAsync()
        {
            progress.Found();
            var result = await worker.ProcessStreamAsync(input, "-", job.ObjectName, monitor!).ConfigureAwait(false);
            progress.Record(result);
            onResult?.Invoke(result);
            summary.Add(result);
            return summary.Build(interrupted: false, monitor!.Outages);
        }
        run.Completion = RunAsync();
        return run;
    }

    /// <summary>Twice the transfers: files being looked up and hashed do not hold a transfer slot (the gate bounds the PUTs).</summary>
    private static int Parallelism(ObjectStoreSettings settings) => settings.Transfers * 2;
}
