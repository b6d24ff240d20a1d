using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// Downloads a container's objects (or those under a prefix) into a directory, recreating the tree from the <c>/</c>
/// in their names: the listing is read page by page as the stream asks, transfers run in parallel within the same
/// bounds as uploads, every file is verified, and files already present with the same MD5 are kept.
/// </summary>
public sealed class BatchDownloader
{
    private readonly ObjectStoreClient _client;
    private readonly IMaterializer _materializer;

    /// <summary>Creates a downloader that runs its streams in <paramref name="system"/>.</summary>
    public BatchDownloader(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
    }

    /// <summary>Downloads and returns the summary (see <see cref="StartAsync"/>).</summary>
    public async Task<TransferSummary> DownloadAsync(DownloadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>Checks that the container exists and starts the download. A transient failure (of a listing page or a
    /// file) pauses the run until the endpoint answers again, for up to <see cref="ObjectStoreSettings.OutageBudget"/>.
    /// It is a run of the public stages (<see cref="ObjectStoreStreams.Run{TIn}(Func{TransferOptions, Source{TIn, NotUsed}}, Func{TransferOptions, Flow{TIn, FileResult, Task}}, TransferOptions, IMaterializer, Action{FileResult}?, string, CancellationToken)"/>
    /// of a listing through <see cref="ObjectStoreStreams.Download(ObjectStoreClient, string, string, TransferOptions)"/>).</summary>
    /// <exception cref="Http.HttpErrorException">404 when the container does not exist.</exception>
    public async Task<TransferRun> StartAsync(DownloadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Here rather than in the stream: a container that does not exist is the caller's error, not the run's.
        await _client.GetContainerAsync(job.Container, cancellationToken).ConfigureAwait(false);
        var root = Path.GetFullPath(job.TargetDirectory);
        // The target is there after the run even when nothing was listed.
        if (!job.DryRun) Directory.CreateDirectory(root);
        var listed = new ListOptions { Prefix = job.Prefix };
        return ObjectStoreStreams.Run(o => ObjectStoreStreams.Listing(_client, job.Container, listed, job.Filter, o),
            o => ObjectStoreStreams.Download(_client, job.Container, root, o),
            new TransferOptions { Settings = job.Settings ?? _client.Settings, DryRun = job.DryRun }, _materializer, onResult, "download", cancellationToken);
    }

    /// <summary>Where an object goes below <paramref name="root"/>, or null when its name would leave it (<c>..</c>, absolute).</summary>
    internal static string? TargetPath(string root, string objectName)
    {
        if (objectName.Split('/').Any(s => s is "." or "..")) return null;
        var full = Path.GetFullPath(Path.Combine(root, objectName.TrimStart('/').Replace('/', Path.DirectorySeparatorChar)));
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(rootWithSeparator, StringComparison.Ordinal) ? full : null;
    }
}
