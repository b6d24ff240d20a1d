using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// An upload job whose source and container are checked and whose container is ready
/// (<see cref="ObjectStoreStreams.PrepareUploadAsync"/>): the walk of its source, and the flow that uploads it without
/// reading <c>/info</c> or creating the container again. <see cref="BatchUploader"/> is these two run by
/// <see cref="ObjectStoreStreams.Run{TIn}(Func{TransferOptions, Source{TIn, NotUsed}}, Func{TransferOptions, Flow{TIn, FileResult, Task}}, TransferOptions, IMaterializer, Action{FileResult}?, string, CancellationToken)"/>
/// with <see cref="Options"/>, so a program that composes them itself (another source, a sink of its own) uploads as the CLI does.
/// </summary>
public sealed class PreparedUpload
{
    private readonly ObjectStoreClient _client;
    private readonly UploadTarget _target;

    internal PreparedUpload(ObjectStoreClient client, UploadJob job, UploadTarget target)
    {
        _client = client;
        _target = target;
        Job = job;
    }

    /// <summary>The job as it was prepared.</summary>
    public UploadJob Job { get; }

    /// <summary>The job's settings, or the client's when the job has none.</summary>
    public ObjectStoreSettings Settings => _target.Settings;

    /// <summary>The cluster's limits, read from <c>/info</c> once.</summary>
    public SwiftCapabilities Capabilities => _target.Capabilities;

    /// <summary>True when the container did not exist before (it was created, or, in a dry run, would be): no object in it
    /// needs to be looked up.</summary>
    public bool ContainerCreated => _target.ContainerCreated;

    /// <summary>The source's files under the job's prefix that its filter takes, walked lazily as downstream asks (one file: a walk of one).</summary>
    public Source<LocalEntry, NotUsed> Files => _target.Walk(Job.Prefix, Job.Filter);

    /// <summary>The options of the job's run: its settings, headers and dry run, and its segments kept for a rerun when
    /// the run is abandoned (as the CLI does: a rerun sends only the segments that are missing).</summary>
    public TransferOptions Options => new() { Settings = Settings, Headers = Job.Headers, DryRun = Job.DryRun, KeepSegments = true };

    /// <summary>
    /// Uploads the entries of <see cref="Files"/> (or any walk of the same source) to the job's container, as
    /// <see cref="ObjectStoreStreams.UploadFiles(ObjectStoreClient, string, TransferOptions)"/> does, on this preparation:
    /// whether an object is stored already is looked up in one listing of the container under the job's prefix, taken on
    /// the first entry (none for a new container; for one file a HEAD asks, which costs less).
    /// </summary>
    /// <param name="options">How the flow runs (start from <see cref="Options"/>); null: <see cref="Options"/>.</param>
    /// <returns>A flow of one result per entry, in completion order; its materialized value completes when the work it started has ended.</returns>
    public Flow<LocalEntry, FileResult, Task> Upload(TransferOptions? options = null)
    {
        var o = options ?? Options;
        var settings = o.Settings ?? Settings;
        var listed = _target.FileObjectName is null;
        return ObjectStoreStreams.FilesFlow(_client, Job.Container, settings, o, (monitor, ct) =>
            ObjectStoreStreams.UploaderAsync(_client, Job.Container, settings, o, Capabilities, ContainerCreated, listed ? Job.Prefix : null, listed, monitor, ct));
    }
}
