using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Uploads a directory tree (or one file, or a stream) to a container with Akka.Streams: a lazy walk feeds <c>SelectAsyncUnordered</c> with
/// bounded parallelism (so backpressure reaches the walk and memory stays flat), every transfer is admitted by a gate
/// bounding transfers and bytes in flight, objects already stored are skipped, files above the segment size become
/// Static Large Objects whose segments go in parallel and whose manifest is stored last. Every file ends as exactly one
/// <see cref="FileResult"/>; a failing file never stops the others. It is a run of the public stages
/// (<see cref="ObjectStoreStreams.PrepareUploadAsync"/>, <see cref="PreparedUpload.Upload"/>, <see cref="ObjectStoreStreams.Upload(ObjectStoreClient, string, TransferOptions)"/>
/// through <see cref="ObjectStoreStreams.Run{TIn}(Func{TransferOptions, Source{TIn, Akka.NotUsed}}, Func{TransferOptions, Flow{TIn, FileResult, Task}}, TransferOptions, IMaterializer, Action{FileResult}?, string, CancellationToken)"/>).
/// </summary>
public sealed class BatchUploader
{
    private readonly ObjectStoreClient _client;
    private readonly IMaterializer _materializer;

    /// <summary>Creates an uploader that runs its streams in <paramref name="system"/>.</summary>
    public BatchUploader(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
    }

    /// <summary>Uploads and returns the summary (see <see cref="StartAsync(UploadJob, Action{FileResult}?, CancellationToken)"/>).</summary>
    public async Task<TransferSummary> UploadAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the source (a directory, or one file: a walk of one), reads the cluster's limits, creates the container, and
    /// starts the upload. A transient failure of any file pauses the run until the endpoint answers again, for up to
    /// <see cref="ObjectStoreSettings.OutageBudget"/>, and the file is tried again after the others.
    /// </summary>
    /// <param name="job">What to upload where.</param>
    /// <param name="onResult">Called once per file, in completion order, from one thread at a time (e.g. a report writer).</param>
    /// <param name="cancellationToken">Abandons the transfers in flight (they are reported failed; a large object's
    /// segments stored so far stay for a rerun); <see cref="TransferRun.Stop"/> is the graceful stop.</param>
    /// <exception cref="DirectoryNotFoundException">The source is neither a directory nor a file.</exception>
    /// <exception cref="ArgumentException">A header cannot be set, or an object name was given with a directory.</exception>
    /// <exception cref="Http.OpenStackException">The container cannot be created (e.g. Swift refused its name) or the cloud is unreachable.</exception>
    public async Task<TransferRun> StartAsync(UploadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var prepared = await ObjectStoreStreams.PrepareUploadAsync(_client, job, cancellationToken).ConfigureAwait(false);
        return ObjectStoreStreams.Run(_ => prepared.Files, prepared.Upload, prepared.Options, _materializer, onResult, "upload", cancellationToken);
    }

    /// <summary>Uploads a stream and returns the summary (see <see cref="StartAsync(StreamUploadJob, Stream, Action{FileResult}?, CancellationToken)"/>).</summary>
    public async Task<TransferSummary> UploadAsync(StreamUploadJob job, Stream input, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, input, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the upload of a stream of unknown length (standard input) as one object, an <see cref="UploadItem"/> of
    /// unknown length through <see cref="ObjectStoreStreams.Upload(ObjectStoreClient, string, TransferOptions)"/> (which
    /// reads the cluster's limits and creates the container first): one PUT when it ends within one
    /// <see cref="ObjectStoreSettings.SegmentSize"/>, else a Static Large Object whose segments are read, hashed and stored
    /// one at a time (memory holds one segment, which is what a transient failure sends again). A segment that fails for
    /// good fails the object, and the segments stored before are deleted (the failure says so, or where they are). Its one
    /// result has the path <c>-</c>.
    /// </summary>
    /// <param name="job">Where to, and the headers.</param>
    /// <param name="input">The stream, read to its end and disposed.</param>
    /// <param name="onResult">Called once, with the stream's result.</param>
    /// <param name="cancellationToken">Abandons the upload (its segments are deleted). <see cref="TransferRun.Stop"/> does not
    /// stop a stream: it is one transfer, already in flight.</param>
    /// <returns>The run; its completion fails with an <see cref="Http.OpenStackException"/> when the container cannot be
    /// created or the cloud is unreachable.</returns>
    /// <exception cref="ArgumentException">The container's name is one Swift refuses, or a header cannot be set.</exception>
    public Task<TransferRun> StartAsync(StreamUploadJob job, Stream input, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(input);
        UploadHeaders.Validate(job.Headers);
        var item = new UploadItem(job.ObjectName, () => input, null) { Headers = job.Headers };
        // A stream is always sent: nothing to look up.
        var settings = (job.Settings ?? _client.Settings) with { Skip = SkipMode.None };
        return Task.FromResult(ObjectStoreStreams.Run(_ => Source.Single(item),
            o => ObjectStoreStreams.Upload(_client, job.Container, o).Select(r => r with { Path = "-" }),
            new TransferOptions { Settings = settings }, _materializer, onResult, "upload", cancellationToken));
    }
}
