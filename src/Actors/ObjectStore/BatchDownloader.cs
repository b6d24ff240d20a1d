using System.Diagnostics;
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
        var gate = new TransferGate(settings.Transfers, settings.MaxBytesInFlight);
        var listing = TransferRunner.Listing(_client, job.Container, job.Prefix, job.Filter, monitor, cancellationToken);
        return TransferRunner.Start(listing, settings.Transfers, e => DownloadOneAsync(job.Container, root, e, settings, job.DryRun, gate, progress, cancellationToken),
            (e, reason) => new FileNotAttempted(TargetPath(root, e.Name) ?? Path.Combine(root, e.Name), e.Name, e.Bytes, reason),
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

    private async Task<FileResult> DownloadOneAsync(string container, string root, ObjectEntry entry, ObjectStoreSettings settings, bool dryRun,
        TransferGate gate, TransferProgress progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var path = TargetPath(root, entry.Name);
        if (path is null) return new FileFailed(Path.Combine(root, entry.Name), entry.Name, entry.Bytes, "the object name leads outside the target directory");
        try
        {
            if (entry.IsDirectoryMarker)
            {
                // A pseudo-directory marker (swift upload of an empty directory, rclone, Horizon): the directory is all there is to it.
                if (!dryRun) Directory.CreateDirectory(path);
                return new FileSkipped(path, entry.Name, 0, "directory marker");
            }
            // The listing shows a Dynamic Large Object's manifest (0 bytes): its HEAD has the content's size.
            var dynamic = await _client.HeadIfDynamicAsync(container, entry, cancellationToken).ConfigureAwait(false);
            var size = dynamic?.ContentLength ?? entry.Bytes;
            if (settings.Skip != SkipMode.None && File.Exists(path) && new FileInfo(path).Length == size)
            {
                if (dynamic is null && entry.SloETag is null && entry.Hash is not null
                    && Checksums.SameETag(await Checksums.Md5OfFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false), entry.Hash))
                    return new FileSkipped(path, entry.Name, size, "identical (same MD5)");
                var segments = dynamic is not null ? await _client.GetSegmentsAsync(dynamic, cancellationToken).ConfigureAwait(false)
                    : entry.SloETag is not null ? await _client.GetManifestAsync(container, entry.Name, cancellationToken).ConfigureAwait(false)
                    : null;
                if (segments is not null && await Checksums.MatchesSegmentsAsync(path, segments, cancellationToken: cancellationToken).ConfigureAwait(false))
                    return new FileSkipped(path, entry.Name, size, "identical (same MD5 of every segment)");
            }
            if (dryRun) return new FilePlanned(path, entry.Name, size, TransferAction.Download);
            using (await gate.AcquireAsync(size, cancellationToken).ConfigureAwait(false))
            {
                progress.TransferStarted();
                try
                {
                    var m = await _client.DownloadToFileAsync(container, entry.Name, path, progress.BytesSent, cancellationToken).ConfigureAwait(false);
                    return new FileDownloaded(path, entry.Name, m.ContentLength, m.ETag, Stopwatch.GetElapsedTime(started));
                }
                finally
                {
                    progress.TransferEnded();
                }
            }
        }
        catch (Exception e)
        {
            return new FileFailed(path, entry.Name, entry.Bytes, FailureText.Describe(e)) { Error = e };
        }
    }
}
