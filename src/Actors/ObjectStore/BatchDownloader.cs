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
    private readonly IScheduler _scheduler;

    /// <summary>Creates a downloader that runs its streams in <paramref name="system"/>.</summary>
    public BatchDownloader(ObjectStoreClient client, ActorSystem system)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(system);
        _materializer = system.Materializer();
        _scheduler = system.Scheduler;
    }

    /// <summary>Downloads and returns the summary (see <see cref="StartAsync"/>).</summary>
    public async Task<TransferSummary> DownloadAsync(DownloadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(job, onResult, cancellationToken).ConfigureAwait(false);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>Checks that the container exists and starts the download. A transient failure (of a listing page or a
    /// file) pauses the run until the endpoint answers again, for up to <see cref="ObjectStoreSettings.OutageBudget"/>.</summary>
    /// <exception cref="Http.HttpErrorException">404 when the container does not exist.</exception>
    public async Task<TransferRun> StartAsync(DownloadJob job, Action<FileResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var settings = job.Settings ?? _client.Settings;
        var monitor = await _client.OutageMonitorAsync(job.Container, settings, _scheduler, settings.Transfers, cancellationToken).ConfigureAwait(false);
        // The first request to the object store fails at once when it cannot be reached (see OutageMonitorAsync).
        await _client.GetContainerAsync(job.Container, cancellationToken).ConfigureAwait(false);
        var root = Path.GetFullPath(job.TargetDirectory);
        if (!job.DryRun) Directory.CreateDirectory(root);
        var progress = new TransferProgress();
        var downloader = new ObjectDownloader(_client, job.Container, root, settings, progress, cancellationToken) { DryRun = job.DryRun };
        var listing = TransferRunner.Listing(_client, job.Container, job.Prefix, job.Filter, monitor, cancellationToken);
        return TransferRunner.Start(listing, settings.Transfers, downloader.DownloadAsync, downloader.NotAttempted,
            progress, monitor, settings, onResult, _materializer, "download", cancellationToken);
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
