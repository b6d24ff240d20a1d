namespace OpenStack.Actors.ObjectStore;

/// <summary>The segments of the large object a file's upload replaces. <paramref name="Dynamic"/> for a Dynamic Large
/// Object, whose segments are whatever its manifest's prefix holds, named as the tool that wrote it chose.</summary>
internal sealed record StoredSegments(IReadOnlyList<SloSegment> Segments, bool Dynamic);

/// <summary>Deletes the segments an uploaded object no longer uses (with <see cref="ObjectStoreSettings.CleanupSegments"/>).</summary>
internal sealed class SegmentCleanup(ObjectStoreClient client, string container, ObjectStoreSettings settings, SwiftCapabilities capabilities,
    CancellationToken cancel)
{
    private readonly string _segmentContainer = SwiftNames.SegmentContainer(container);

    /// <summary>
    /// Deletes segments the new object no longer uses: those of its previous Static manifest in our segment container under
    /// its name (others may be shared with other objects), every segment of a Dynamic Large Object it replaces, and
    /// leftovers of interrupted uploads (names <c>&lt;object&gt;/&lt;size&gt;/&lt;segment size&gt;/&lt;index&gt;</c> in the segment
    /// container). Best effort: a failure is a warning.
    /// </summary>
    /// <param name="objectName">The object uploaded.</param>
    /// <param name="previous">What it replaced, when that was a large object.</param>
    /// <param name="keep">Segment paths (<c>/container/object</c>) the new object uses.</param>
    /// <returns>Null, or a warning naming what was left.</returns>
    internal async Task<string?> RunAsync(string objectName, StoredSegments? previous, HashSet<string> keep)
    {
        if (!settings.CleanupSegments) return null;
        var ownPrefix = "/" + _segmentContainer + "/" + objectName + "/";
        var doomed = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { [_segmentContainer] = new(StringComparer.Ordinal) };
        foreach (var s in previous?.Segments ?? [])
        {
            if (keep.Contains(s.Path) || (!previous!.Dynamic && !s.Path.StartsWith(ownPrefix, StringComparison.Ordinal))) continue;
            var slash = s.Path.IndexOf('/', 1);
            var (c, n) = (s.Path[1..slash], s.Path[(slash + 1)..]);
            // A prefix may cover the manifest itself (a hand-made DLO in its own container): that is the new object now.
            if (c == container && n == objectName) continue;
            if (!doomed.TryGetValue(c, out var names)) doomed[c] = names = new HashSet<string>(StringComparer.Ordinal);
            names.Add(n);
        }
        var warnings = new List<string>();
        try
        {
            if (keep.Count > 0 || previous is not null)
            {
                await foreach (var e in client.ListObjectsAsync(_segmentContainer, new ListOptions { Prefix = objectName + "/" }, cancel).ConfigureAwait(false))
                    if (SegmentPlan.IsSegmentOf(objectName, e.Name) && !keep.Contains("/" + _segmentContainer + "/" + e.Name)) doomed[_segmentContainer].Add(e.Name);
            }
        }
        catch (Http.HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
        }
        catch (Exception e)
        {
            warnings.Add($"old segments not listed: {FailureText.Describe(e)}");
        }
        foreach (var (c, names) in doomed)
            if (await DeleteAsync(c, names).ConfigureAwait(false) is { } warning) warnings.Add(warning);
        return warnings.Count == 0 ? null : string.Join("; ", warnings);
    }

    private async Task<string?> DeleteAsync(string segmentContainer, IReadOnlyCollection<string> names)
    {
        if (names.Count == 0) return null;
        try
        {
            var outcomes = await client.DeleteObjectsAsync(segmentContainer, names, settings.BulkDeletePerRequest(capabilities), capabilities, cancel)
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
