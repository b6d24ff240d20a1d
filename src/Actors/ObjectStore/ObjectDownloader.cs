using System.Diagnostics;

namespace OpenStack.Actors.ObjectStore;

/// <summary>The per-object work of a download into <paramref name="root"/>: verified, and skipped when the local file has
/// the same MD5 (with a skip mode); transfers within the bounds of one gate.</summary>
internal sealed class ObjectDownloader(ObjectStoreClient client, string container, string root, ObjectStoreSettings settings, TransferProgress progress,
    CancellationToken cancellationToken)
{
    private readonly TransferGate _gate = new(settings.Transfers, settings.MaxBytesInFlight);

    /// <summary>Decide as a real download would, but write nothing: each object to fetch ends as <see cref="FilePlanned"/>.</summary>
    internal bool DryRun { get; init; }

    /// <summary>The result of an object not tried.</summary>
    internal FileResult NotAttempted(ObjectEntry e, string reason) => NotAttempted(root, e, reason);

    /// <summary>The result of an object not tried, for a download into <paramref name="root"/>.</summary>
    internal static FileResult NotAttempted(string root, ObjectEntry e, string reason) =>
        new FileNotAttempted(BatchDownloader.TargetPath(root, e.Name) ?? Path.Combine(root, e.Name), e.Name, e.Bytes, reason);

    /// <summary>Downloads one object (or keeps the local file of the same MD5). Never throws.</summary>
    internal async Task<FileResult> DownloadAsync(ObjectEntry entry)
    {
        var started = Stopwatch.GetTimestamp();
        var path = BatchDownloader.TargetPath(root, entry.Name);
        if (path is null) return new FileFailed(Path.Combine(root, entry.Name), entry.Name, entry.Bytes, "the object name leads outside the target directory");
        try
        {
            if (entry.IsDirectoryMarker)
            {
                // A pseudo-directory marker (swift upload of an empty directory, rclone, Horizon): the directory is all there is to it.
                if (!DryRun) Directory.CreateDirectory(path);
                return new FileSkipped(path, entry.Name, 0, "directory marker");
            }
            // The listing shows a Dynamic Large Object's manifest (0 bytes): its HEAD has the content's size.
            var dynamic = await client.HeadIfDynamicAsync(container, entry, cancellationToken).ConfigureAwait(false);
            var size = dynamic?.ContentLength ?? entry.Bytes;
            if (settings.Skip != SkipMode.None && File.Exists(path) && new FileInfo(path).Length == size)
            {
                if (dynamic is null && entry.SloETag is null && entry.Hash is not null
                    && Checksums.SameETag(await Checksums.Md5OfFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false), entry.Hash))
                    return new FileSkipped(path, entry.Name, size, "identical (same MD5)");
                var segments = dynamic is not null ? await client.GetSegmentsAsync(dynamic, cancellationToken).ConfigureAwait(false)
                    : entry.SloETag is not null ? await client.GetManifestAsync(container, entry.Name, cancellationToken).ConfigureAwait(false)
                    : null;
                if (segments is not null && await Checksums.MatchesSegmentsAsync(path, segments, cancellationToken: cancellationToken).ConfigureAwait(false))
                    return new FileSkipped(path, entry.Name, size, "identical (same MD5 of every segment)");
            }
            if (DryRun) return new FilePlanned(path, entry.Name, size, TransferAction.Download);
            using (await _gate.AcquireAsync(size, cancellationToken).ConfigureAwait(false))
            {
                progress.TransferStarted();
                try
                {
                    var m = await client.DownloadToFileAsync(container, entry.Name, path, progress.BytesSent, cancellationToken).ConfigureAwait(false);
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
