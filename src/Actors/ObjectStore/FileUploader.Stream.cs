using System.Diagnostics;
using System.Globalization;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

// The upload of a stream of unknown length (standard input).
internal sealed partial class FileUploader
{
    /// <summary>
    /// Uploads a stream of unknown length as <paramref name="objectName"/>. The stream is read one segment at a time into
    /// memory (hashed as it is read): when it ends within the first segment it is stored as one object; once it outgrows
    /// one, each segment is stored in the segment container and a Static Large Object manifest last. Only the segment in
    /// memory can be sent again, so every PUT is retried in place (waiting out outages through <paramref name="monitor"/>,
    /// up to <see cref="ObjectStoreSettings.Retries"/> more tries); when one fails for good, the segments already stored
    /// are deleted and the stream fails. Never throws.
    /// </summary>
    /// <param name="input">The stream, read to its end.</param>
    /// <param name="label">The result's path (<c>-</c> for standard input).</param>
    /// <param name="objectName">The object's name.</param>
    /// <param name="monitor">The run's outage monitor.</param>
    /// <param name="itemHeaders">The object's own headers, in place of the uploader's.</param>
    internal async Task<FileResult> ProcessStreamAsync(Stream input, string label, string objectName, OutageMonitor monitor,
        IReadOnlyDictionary<string, string>? itemHeaders = null)
    {
        var started = Stopwatch.GetTimestamp();
        var buffer = new SegmentBuffer(input);
        var stored = new List<SloSegment>();
        long total = 0;
        try
        {
            _cancel.ThrowIfCancellationRequested();
            if (NameProblem(objectName) is { } problem) return new FileFailed(label, objectName, 0, problem);
            var previous = _settings.CleanupSegments ? await PreviousManifestAsync(objectName).ConfigureAwait(false) : null;
            var headers = UploadHeaders.For(itemHeaders ?? _headers, objectName);
            var size = SegmentPlan.SizeFor(_settings.SegmentSize, _capabilities);
            await buffer.FillAsync(size, _cancel).ConfigureAwait(false);
            total = buffer.Length;
            // Only the end of the stream tells that the first segment is the whole: until then it stays in memory.
            if (buffer.Length < size || await buffer.AtEndAsync(_cancel).ConfigureAwait(false))
            {
                var etag = await PutBufferAsync(label, _container, objectName, buffer, headers, monitor).ConfigureAwait(false);
                var warning = previous is null ? null : await CleanupSegmentsAsync(objectName, previous, new HashSet<string>()).ConfigureAwait(false);
                return new FileUploaded(label, objectName, total, etag, 0, 0, Stopwatch.GetElapsedTime(started)) { Warning = warning };
            }
            if (!_capabilities.SloSupported)
                throw new OpenStackException($"the stream is larger than one object of {ByteSize.Format(size)} and the cluster has no SLO support");
            await EnsureSegmentContainerAsync().ConfigureAwait(false);
            // The length is unknown, so the start time takes its place in the segment names: a rerun never mixes with them.
            var prefix = objectName + "/" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "/"
                + size.ToString(CultureInfo.InvariantCulture) + "/";
            while (true)
            {
                if (stored.Count >= _capabilities.MaxManifestSegments)
                    throw new OpenStackException($"the stream is longer than {_capabilities.MaxManifestSegments} segments of {ByteSize.Format(size)} " +
                        "(this cluster's limit): give a larger segment size");
                var name = prefix + stored.Count.ToString("D8", CultureInfo.InvariantCulture);
                var etag = await PutBufferAsync(label, _segmentContainer, name, buffer, null, monitor).ConfigureAwait(false);
                stored.Add(new SloSegment("/" + _segmentContainer + "/" + name, etag, buffer.Length));
                if (await buffer.AtEndAsync(_cancel).ConfigureAwait(false)) break;
                await buffer.FillAsync(size, _cancel).ConfigureAwait(false);
                total += buffer.Length;
            }
            var manifest = await WithRetriesAsync(label, objectName, total, monitor,
                // A stage's manifest is not cancelled once sent: its segments are deleted on cancellation (see DiscardsSegments).
                ct => _client.PutManifestAsync(_container, objectName, stored, headers, DiscardsSegments ? CancellationToken.None : ct)).ConfigureAwait(false);
            string? cleanupWarning = null;
            if (previous is not null)
                cleanupWarning = await CleanupSegmentsAsync(objectName, previous, stored.Select(s => s.Path).ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
            return new FileUploaded(label, objectName, total, manifest, stored.Count, 0, Stopwatch.GetElapsedTime(started)) { Warning = cleanupWarning };
        }
        catch (Exception e)
        {
            var reason = FailureText.Describe(e);
            if (stored.Count > 0) reason += "; " + await DeleteStoredAsync(stored).ConfigureAwait(false);
            return new FileFailed(label, objectName, total, reason) { Error = e };
        }
    }

    /// <summary>The segments of what is stored under the name, when it is a Static Large Object (to delete once replaced).</summary>
    private async Task<IReadOnlyList<SloSegment>?> PreviousManifestAsync(string objectName)
    {
        var head = await _client.HeadObjectAsync(_container, objectName, _cancel).ConfigureAwait(false);
        return head is { IsStaticLargeObject: true } ? await _client.GetManifestAsync(_container, objectName, _cancel).ConfigureAwait(false) : null;
    }

    /// <summary>PUTs the buffer's bytes with their MD5 (Swift refuses other bytes, and its ETag is checked); returns the ETag.</summary>
    private async Task<string> PutBufferAsync(string label, string container, string name, SegmentBuffer buffer,
        IReadOnlyDictionary<string, string>? headers, OutageMonitor monitor)
    {
        using (await _gate.AcquireAsync(buffer.Length, _cancel).ConfigureAwait(false))
        {
            return await WithRetriesAsync(label, name, buffer.Length, monitor,
                ct => PutAsync(container, name, buffer.Open, buffer.Length, buffer.Md5, headers, ct)).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one PUT as the runner tries a file: outages waited out, transient failures tried again up to the
    /// retries; the ETag, or the last failure thrown.</summary>
    private async Task<string> WithRetriesAsync(string label, string name, long bytes, OutageMonitor monitor,
        Func<CancellationToken, Task<PutObjectResult>> put)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await TransferRunner.AttemptAsync(name, async _ =>
            {
                try
                {
                    var r = await put(_cancel).ConfigureAwait(false);
                    return new FileUploaded(label, name, bytes, r.ETag, 0, 0, Stopwatch.GetElapsedTime(started));
                }
                catch (Exception e)
                {
                    return (FileResult)new FileFailed(label, name, bytes, FailureText.Describe(e)) { Error = e };
                }
            },
            (_, reason) => new FileNotAttempted(label, name, bytes, reason), monitor, _settings.Retries, _cancel).ConfigureAwait(false);
        return result switch
        {
            FileUploaded u => u.ETag,
            FileFailed { Error: OperationCanceledException c } => throw c,
            FileFailed f => throw new OpenStackException($"'{name}' was not stored: {f.Reason}", f.Error),
            _ => throw new OpenStackException($"'{name}' was not stored: {((FileNotAttempted)result).Reason}"),
        };
    }

    /// <summary>Deletes the segments of a stream that failed (they belong to no manifest); says what became of them.</summary>
    private Task<string> DeleteStoredAsync(IReadOnlyList<SloSegment> stored) =>
        DeleteSegmentsAsync(stored.Select(s => s.Path[(_segmentContainer.Length + 2)..]).ToList());

    /// <summary>Deletes segments (names in the segment container) that belong to no manifest; says what became of them.</summary>
    private async Task<string> DeleteSegmentsAsync(IReadOnlyList<string> names)
    {
        if (names.Count == 0) return "no segment was stored";
        try
        {
            // Not the run's token: an abandoned run cleans up too.
            var outcomes = await _client.DeleteObjectsAsync(_segmentContainer, names, _settings.BulkDeletePerRequest(_capabilities), _capabilities,
                CancellationToken.None).ConfigureAwait(false);
            var failed = outcomes.Count(o => o.Outcome == BulkDeleteOutcome.Failed);
            return failed == 0
                ? $"the {names.Count} segment(s) stored before were deleted"
                : $"{failed} of the {names.Count} segment(s) stored before could not be deleted (in '{_segmentContainer}' under '{SegmentDirectory(names[0])}')";
        }
        catch (Exception e)
        {
            return $"the {names.Count} segment(s) stored before could not be deleted (in '{_segmentContainer}' under '{SegmentDirectory(names[0])}'): " +
                FailureText.Describe(e);
        }
    }

    private static string SegmentDirectory(string segmentName) => segmentName[..(segmentName.LastIndexOf('/') + 1)];
}
