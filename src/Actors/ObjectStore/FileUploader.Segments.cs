using OpenStack.Actors.Http;

namespace OpenStack.Actors.ObjectStore;

// The segment container, and the deletion of segments no manifest uses any more.
internal sealed partial class FileUploader
{
    private Task EnsureSegmentContainerAsync()
    {
        lock (_lock)
        {
            if (_segmentContainerReady is null || _segmentContainerReady.IsFaulted || _segmentContainerReady.IsCanceled)
                _segmentContainerReady = _client.CreateContainerAsync(_segmentContainer, cancellationToken: _cancel);
            return _segmentContainerReady;
        }
    }

    /// <summary>
    /// Deletes segments the new object no longer uses: those of its previous manifest and leftovers of interrupted uploads
    /// (names <c>&lt;object&gt;/&lt;size&gt;/&lt;segment size&gt;/&lt;index&gt;</c> in the segment container). Best effort: a failure is a warning.
    /// </summary>
    private async Task<string?> CleanupSegmentsAsync(string objectName, IReadOnlyList<SloSegment>? previous, HashSet<string> keep)
    {
        if (!_settings.CleanupSegments) return null;
        var ownPrefix = "/" + _segmentContainer + "/" + objectName + "/";
        var doomed = new HashSet<string>(StringComparer.Ordinal);
        // Only segments in our segment container under this object's name: others may be shared with other objects.
        if (previous is not null)
            foreach (var s in previous)
                if (s.Path.StartsWith(ownPrefix, StringComparison.Ordinal) && !keep.Contains(s.Path)) doomed.Add(s.Path[(_segmentContainer.Length + 2)..]);
        try
        {
            if (keep.Count > 0 || previous is not null)
            {
                await foreach (var e in _client.ListObjectsAsync(_segmentContainer, new ListOptions { Prefix = objectName + "/" }, _cancel).ConfigureAwait(false))
                    if (SegmentPlan.IsSegmentOf(objectName, e.Name) && !keep.Contains("/" + _segmentContainer + "/" + e.Name)) doomed.Add(e.Name);
            }
        }
        catch (HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
        }
        catch (Exception e)
        {
            return $"old segments not listed: {FailureText.Describe(e)}";
        }
        try
        {
            var outcomes = await _client.DeleteObjectsAsync(_segmentContainer, doomed, _settings.BulkDeletePerRequest(_capabilities), _capabilities, _cancel)
                .ConfigureAwait(false);
            var failures = outcomes.Where(o => o.Outcome == BulkDeleteOutcome.Failed).ToList();
            return failures.Count == 0 ? null : $"{failures.Count} old segment(s) not deleted: {failures[0].Error?.Message ?? failures[0].Reason}";
        }
        catch (Exception e)
        {
            return $"old segments not deleted: {FailureText.Describe(e)}";
        }
    }
}

// A stage's large objects: their manifest stored whatever the cancellation, or their segments deleted.
internal sealed partial class FileUploader
{
    /// <summary>PUTs a file's manifest. With <see cref="DiscardsSegments"/> it is not cancelled (the segments are all
    /// stored: the object is complete a moment later), and a refusal deletes the segments this upload sent; a request
    /// whose answer was lost may have stored the manifest, so its segments stay.</summary>
    private async Task<PutObjectResult> PutManifestAsync(string objectName, IReadOnlyList<SloSegment> segments, IReadOnlyDictionary<string, string> headers,
        IEnumerable<string> sent, StoredSegments? previous)
    {
        if (!DiscardsSegments) return await _client.PutManifestAsync(_container, objectName, segments, headers, _cancel).ConfigureAwait(false);
        try
        {
            return await _client.PutManifestAsync(_container, objectName, segments, headers, CancellationToken.None).ConfigureAwait(false);
        }
        catch (HttpErrorException e)
        {
            throw new OpenStackException($"the manifest was refused: {FailureText.Describe(e)}; {await DiscardSentAsync(sent, previous).ConfigureAwait(false)}", e);
        }
    }

    /// <summary>Deletes the segments this upload began to send, except those the object it replaces still uses.</summary>
    private Task<string> DiscardSentAsync(IEnumerable<string> sent, StoredSegments? previous)
    {
        var inUse = previous?.Segments.Select(s => s.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        return DeleteSegmentsAsync(sent.Where(n => !inUse.Contains("/" + _segmentContainer + "/" + n)).Distinct(StringComparer.Ordinal).ToList());
    }
}
