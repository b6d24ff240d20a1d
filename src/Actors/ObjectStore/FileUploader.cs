using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

/// <summary>The per-file work of an upload. Never throws: every outcome is a <see cref="FileResult"/>.</summary>
internal sealed partial class FileUploader
{
    private readonly ObjectStoreClient _client;
    private readonly string _container;
    private readonly string _segmentContainer;
    private readonly ObjectStoreSettings _settings;
    private readonly SwiftCapabilities _capabilities;
    private readonly TransferProgress _progress;
    private readonly CancellationToken _cancel;
    private readonly TransferGate _gate;
    private readonly ExistingObjects? _existing;
    private readonly bool _dryRun;
    private readonly SegmentCleanup _cleanup;
    private readonly IReadOnlyDictionary<string, string>? _headers;
    private readonly object _lock = new();

    /// <summary>True for a stage's uploads: a large object whose manifest is not stored (a segment failed, the stream was
    /// cancelled) has the segments this upload sent deleted, and its manifest, once every segment is stored, is sent
    /// whatever the cancellation, so no manifest points at missing segments. False for the CLI's, which keeps them for a rerun.</summary>
    internal bool DiscardsSegments { get; init; }
    private Task? _segmentContainerReady;

    internal FileUploader(ObjectStoreClient client, string container, ObjectStoreSettings settings, SwiftCapabilities capabilities,
        TransferProgress progress, CancellationToken cancel, ExistingObjects? existing = null, IReadOnlyDictionary<string, string>? headers = null,
        bool dryRun = false)
    {
        _existing = existing;
        _headers = headers;
        _dryRun = dryRun;
        _client = client;
        _container = container;
        _segmentContainer = SwiftNames.SegmentContainer(container);
        _settings = settings;
        _capabilities = capabilities;
        _progress = progress;
        _cancel = cancel;
        _gate = new TransferGate(settings.Transfers, settings.MaxBytesInFlight);
        _cleanup = new SegmentCleanup(client, container, settings, capabilities, cancel);
    }

    internal async Task<FileResult> ProcessAsync(LocalEntry entry)
    {
        switch (entry)
        {
            case LocalProblem p: return new FileFailed(p.Path, p.ObjectName, 0, p.Reason);
            case LocalIgnored i: return new FileSkipped(i.Path, i.ObjectName, 0, i.Reason);
        }
        var file = (LocalFile)entry;
        var started = Stopwatch.GetTimestamp();
        try
        {
            _cancel.ThrowIfCancellationRequested();
            if (NameProblem(file.ObjectName) is { } problem) return new FileFailed(file.Path, file.ObjectName, file.Length, problem);
            var plan = SegmentPlan.For(file.Length, _settings.SegmentSize, _capabilities);
            var result = plan.Segmented
                ? await UploadLargeAsync(file, plan, started).ConfigureAwait(false)
                : await UploadSmallAsync(file, started).ConfigureAwait(false);
            return result;
        }
        catch (Exception e)
        {
            var cause = e is RequestBodyException { InnerException: { } local } ? local : e;   // the file, not the cloud
            return new FileFailed(file.Path, file.ObjectName, file.Length, FailureText.Describe(cause)) { Error = cause };
        }
    }

    /// <summary>Why the cluster would refuse the name, or null; throws for a name no URL can carry.</summary>
    private string? NameProblem(string objectName)
    {
        SwiftNames.ValidateObject(_container, objectName);
        var nameBytes = Encoding.UTF8.GetByteCount(objectName);
        return nameBytes > _capabilities.MaxObjectNameLength
            ? $"the object name is {nameBytes} bytes long; this cluster allows {_capabilities.MaxObjectNameLength}"
            : null;
    }

    // The mtime as `swift upload` stores it, so `--changed` comparisons work across both tools.
    private Dictionary<string, string> ObjectHeaders(LocalFile file) =>
        UploadHeaders.For(_headers, file.Path, (UploadHeaders.MtimeHeader, ObjectMtime.Format(file.LastWriteTimeUtc)));

    private static bool Unchanged(LocalFile file, ObjectMetadata head) =>
        head.ContentLength == file.Length && head.Metadata.TryGetValue(ObjectMtime.MetadataKey, out var m) && ObjectMtime.Same(m, file.LastWriteTimeUtc);

    private async Task<FileResult> UploadSmallAsync(LocalFile file, long started)
    {
        string? md5 = null;
        StoredSegments? previousSegments = null;
        var listed = await ListedAsync(file.ObjectName).ConfigureAwait(false);
        if (_settings.Skip == SkipMode.Md5 && listed.IsPlainOfLength(file.Length))
        {
            // The listing has the plain object's MD5: no HEAD needed either way.
            md5 = await Checksums.Md5OfFileAsync(file.Path, 0, file.Length, _cancel).ConfigureAwait(false);
            if (listed.IsIdentical(file.Length, md5))
                return new FileSkipped(file.Path, file.ObjectName, file.Length, "identical (same MD5)");
        }
        else
        {
            var (skipped, previous, hash) = await LookUpAsync(file, listed, reuse: null, forCleanup: false).ConfigureAwait(false);
            if (skipped is not null) return skipped;
            (previousSegments, md5) = (previous, hash);
        }
        if (_dryRun) return new FilePlanned(file.Path, file.ObjectName, file.Length, TransferAction.Upload);
        if (md5 is null && _settings.HashesFirst(file.Length))
            md5 = await Checksums.Md5OfFileAsync(file.Path, 0, file.Length, _cancel).ConfigureAwait(false);
        PutObjectResult put;
        using (await _gate.AcquireAsync(file.Length, _cancel).ConfigureAwait(false))
        {
            put = await PutRangeAsync(_container, file.ObjectName, file.Path, 0, file.Length, md5, ObjectHeaders(file)).ConfigureAwait(false);
        }
        var warning = previousSegments is null ? null : await _cleanup.RunAsync(file.ObjectName, previousSegments, new HashSet<string>()).ConfigureAwait(false);
        return new FileUploaded(file.Path, file.ObjectName, file.Length, put.ETag, 0, 0, Stopwatch.GetElapsedTime(started)) { Warning = warning };
    }

    /// <summary>
    /// The one skip decision: a HEAD of what is stored under the file's name (unless the listing says nothing is), its
    /// segments when it is a large object (the manifest of a Static one, the listing under a Dynamic one's prefix), and whether it already is the file (same size and mtime with
    /// <see cref="SkipMode.Changed"/>; same MD5, of the whole or of every segment, with <see cref="SkipMode.Md5"/>).
    /// </summary>
    /// <param name="file">The file.</param>
    /// <param name="listed">What the container's listing says about the file's object (it may say nothing).</param>
    /// <param name="reuse">A large file's plan, whose segment hashes are kept when the old manifest's ranges coincide.</param>
    /// <param name="forCleanup">Look even without a skip mode, to find the old segments to delete afterwards.</param>
    /// <returns>The skip result (or null), the stored large object's segments (or null), and the file's MD5 when it was computed.</returns>
    private async Task<(FileSkipped? Skipped, StoredSegments? PreviousSegments, string? Md5)> LookUpAsync(LocalFile file, ListedObject listed,
        (SegmentPlan Plan, string?[] Hashes)? reuse, bool forCleanup)
    {
        if ((_settings.Skip == SkipMode.None && !forCleanup) || listed.IsAbsent) return (null, null, null);
        var head = await _client.HeadObjectAsync(_container, file.ObjectName, _cancel).ConfigureAwait(false);
        if (head is null) return (null, null, null);
        var previous = await _client.GetSegmentsAsync(head, _cancel).ConfigureAwait(false) is { } segments
            ? new StoredSegments(segments, head.DynamicManifest is not null) : null;
        if (_settings.Skip == SkipMode.Changed && Unchanged(file, head))
            return (new FileSkipped(file.Path, file.ObjectName, file.Length, "unchanged (same size and mtime)"), previous, null);
        if (_settings.Skip != SkipMode.Md5 || head.ContentLength != file.Length) return (null, previous, null);
        // A large object's ETag is not the MD5 of its content, a plain object's is: one of the two applies.
        if (previous is not null && await MatchesManifestAsync(file, previous.Segments, reuse).ConfigureAwait(false))
            return (new FileSkipped(file.Path, file.ObjectName, file.Length, "identical (same MD5 of every segment)"), previous, null);
        if (!head.ETagIsContentMd5) return (null, previous, null);
        var md5 = await Checksums.Md5OfFileAsync(file.Path, 0, file.Length, _cancel).ConfigureAwait(false);
        return (Checksums.SameETag(md5, head.ETag) ? new FileSkipped(file.Path, file.ObjectName, file.Length, "identical (same MD5)") : null, previous, md5);
    }

    /// <summary>What the container's listings say about <paramref name="objectName"/> (nothing, without them: an upload
    /// that does not skip has none, see <see cref="ObjectStoreStreams.UploaderAsync"/>).</summary>
    private ValueTask<ListedObject> ListedAsync(string objectName) =>
        _existing?.FindAsync(objectName, _cancel) ?? ValueTask.FromResult(ListedObject.Unknown);

    /// <summary>PUTs a range of a file; with <paramref name="md5"/> null it is hashed while sent and checked against the answered ETag.</summary>
    private Task<PutObjectResult> PutRangeAsync(string container, string name, string path, long offset, long length, string? md5,
        IReadOnlyDictionary<string, string>? headers) =>
        // Reopened for every attempt, so the session's retries resend the same bytes.
        PutAsync(container, name, () => FileSegmentStream.Open(path, offset, length), length, md5, headers, _cancel);

    /// <summary>PUTs a body that <paramref name="open"/> opens anew for every attempt, counting the bytes sent.</summary>
    private async Task<PutObjectResult> PutAsync(string container, string name, Func<Stream> open, long length, string? md5,
        IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        _progress.TransferStarted();
        try
        {
            // Reopened for every attempt, so the session's retries resend the same bytes.
            var body = RequestBody.FromStreamFactory(() => new CountingReadStream(open(), _progress.BytesSent), length);
            return await _client.PutObjectAsync(container, name, body, md5, headers, _settings.TimeoutFor(length, _client.Session.Settings.Transport.BandwidthLimit),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _progress.TransferEnded();
        }
    }

    private async Task<FileResult> UploadLargeAsync(LocalFile file, SegmentPlan plan, long started)
    {
        var hashes = new string?[plan.Count];
        var listed = await ListedAsync(file.ObjectName).ConfigureAwait(false);
        var (skipped, previousSegments, _) = await LookUpAsync(file, listed, (plan, hashes), forCleanup: _settings.CleanupSegments).ConfigureAwait(false);
        if (skipped is not null) return skipped;
        if (_dryRun) return new FilePlanned(file.Path, file.ObjectName, file.Length, TransferAction.Upload);

        await EnsureSegmentContainerAsync().ConfigureAwait(false);
        var prefix = plan.SegmentPrefix(file.ObjectName);
        var stored = new Dictionary<string, ObjectEntry>(StringComparer.Ordinal);
        try
        {
            // Segments stored by an earlier, interrupted run are reused when their MD5 matches (not when forced).
            if (_settings.Skip != SkipMode.None)
            {
                await foreach (var e in _client.ListObjectsAsync(_segmentContainer, new ListOptions { Prefix = prefix }, _cancel).ConfigureAwait(false))
                    stored[e.Name] = e;
            }
        }
        catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            // Listings lag behind writes: a container created a moment ago may not be listed yet.
        }

        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        // Every segment this run began to send (a cancelled PUT may have been stored all the same).
        var sent = new System.Collections.Concurrent.ConcurrentBag<string>();
        var reused = 0;
        long reusedBytes = 0;
        var tasks = Enumerable.Range(0, plan.Count).Select(async i =>
        {
            try
            {
                var (offset, length) = plan.Segment(i);
                var name = prefix + i.ToString("D8", CultureInfo.InvariantCulture);
                using (await _gate.AcquireAsync(length, failFast.Token).ConfigureAwait(false))
                {
                    var md5 = hashes[i];
                    // A stored segment is compared by its MD5 first; a new one is hashed while it is sent, if large enough.
                    var candidate = stored.TryGetValue(name, out var existing) && existing.Bytes == length ? existing : null;
                    if (md5 is null && (candidate is not null || _settings.HashesFirst(length)))
                        md5 = await Checksums.Md5OfFileAsync(file.Path, offset, length, failFast.Token).ConfigureAwait(false);
                    string etag;
                    if (candidate is not null && md5 is not null && Checksums.SameETag(candidate.Hash, md5))
                    {
                        Interlocked.Increment(ref reused);
                        Interlocked.Add(ref reusedBytes, length);
                        _progress.BytesSkipped(length);
                        etag = md5;
                    }
                    else
                    {
                        sent.Add(name);
                        etag = (await PutRangeAsync(_segmentContainer, name, file.Path, offset, length, md5, null).ConfigureAwait(false)).ETag;
                    }
                    return new SloSegment("/" + _segmentContainer + "/" + name, etag, length);
                }
            }
            catch
            {
                // One lost segment loses the object: stop queueing the others (those sent are kept for a rerun).
                await failFast.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();
        SloSegment[] segments;
        try
        {
            segments = await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // The first real failure, not the cancellations it caused.
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.GetBaseException()).FirstOrDefault(e => e is not OperationCanceledException);
            var discarded = DiscardsSegments ? "; " + await DiscardSentAsync(sent, previousSegments).ConfigureAwait(false) : "";
            if (first is not null) throw new OpenStackException($"segment upload failed: {FailureText.Describe(first)}{discarded}", first);
            if (DiscardsSegments) throw new OperationCanceledException("the upload was cancelled" + discarded, null, _cancel);
            throw;
        }

        var manifest = await PutManifestAsync(file.ObjectName, segments, ObjectHeaders(file), sent, previousSegments).ConfigureAwait(false);
        string? warning = null;
        if (_settings.CleanupSegments)
            warning = await _cleanup.RunAsync(file.ObjectName, previousSegments, segments.Select(s => s.Path).ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
        return new FileUploaded(file.Path, file.ObjectName, file.Length, manifest.ETag, segments.Length, reused, Stopwatch.GetElapsedTime(started))
        {
            Warning = warning,
            BytesReused = reusedBytes,
        };
    }

    /// <summary>True when the file has the content the manifest describes. Hashes of ranges that coincide with
    /// <paramref name="reuse"/>'s plan are kept for the upload.</summary>
    private Task<bool> MatchesManifestAsync(LocalFile file, IReadOnlyList<SloSegment> manifest, (SegmentPlan Plan, string?[] Hashes)? reuse)
    {
        var index = 0;
        return Checksums.MatchesSegmentsAsync(file.Path, manifest, (offset, length, md5) =>
        {
            if (reuse is { } r && index < r.Plan.Count && r.Plan.Segment(index) == (offset, length)) r.Hashes[index] = md5;
            index++;
        }, _cancel);
    }
}
