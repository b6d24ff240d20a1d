namespace OpenStack.Actors.ObjectStore;

/// <summary>Plain objects deleted together in one bulk request.</summary>
internal sealed record DeleteBatch(IReadOnlyList<string> Names);

/// <summary>The per-object and per-batch work of a delete in one container: bulk requests where the cluster has them
/// (<see cref="ObjectStoreSettings.BulkDeletePerRequest"/> names each, few at once), large objects and objects known by
/// name only one by one (with their segments), at most <see cref="ObjectStoreSettings.Transfers"/> at once.</summary>
internal sealed class ObjectDeleter(ObjectStoreClient client, string container, ObjectStoreSettings settings, SwiftCapabilities capabilities,
    CancellationToken cancellationToken)
{
    // Few bulk requests at once: each already keeps the proxy deleting several objects at a time.
    private readonly SemaphoreSlim _requests = new(settings.BulkDeleteRequests);
    private readonly SemaphoreSlim _singles = new(Math.Max(1, settings.Transfers));

    /// <summary>The deleter of a run, with the cluster's limits read from <c>/info</c>.</summary>
    internal static async Task<ObjectDeleter> CreateAsync(ObjectStoreClient client, string container, ObjectStoreSettings settings,
        CancellationToken cancellationToken) =>
        new(client, container, settings, await client.GetCapabilitiesAsync(cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>Names per bulk request; 0 when the cluster has no bulk delete.</summary>
    internal int PerRequest { get; } = settings.BulkDeletePerRequest(capabilities);

    /// <summary>How a group of entries goes: plain listed objects in bulk requests of <see cref="PerRequest"/> names (when
    /// the cluster has them), every other entry on its own.</summary>
    internal IEnumerable<(DeleteBatch? Batch, ObjectEntry? One)> Plan(IReadOnlyList<ObjectEntry> group)
    {
        var bulk = PerRequest > 0;
        foreach (var e in group.Where(e => !bulk || e.IsNameOnly || e.SloETag is not null)) yield return (null, e);
        if (!bulk) yield break;
        foreach (var chunk in group.Where(e => !e.IsNameOnly && e.SloETag is null).Chunk(PerRequest))
            yield return (new DeleteBatch(chunk.Select(e => e.Name).ToList()), null);
    }

    /// <summary>
    /// One try of each entry of a group (for the final passes): the results that are final, and the entries whose
    /// failures a later try may fix, to try again.
    /// </summary>
    internal async Task<Attempted<IReadOnlyList<ObjectEntry>>> TryGroupAsync(IReadOnlyList<ObjectEntry> group)
    {
        async Task<IEnumerable<FileResult>> TryAsync((DeleteBatch? Batch, ObjectEntry? One) step)
        {
            if (step.One is { } one) return [await DeleteOneAsync(one).ConfigureAwait(false)];
            var attempt = await DeleteBatchAsync(step.Batch!).ConfigureAwait(false);
            return attempt.Done.Concat(attempt.Failures ?? []);
        }
        var (done, again) = Separate((await Task.WhenAll(Plan(group).Select(TryAsync)).ConfigureAwait(false)).SelectMany(r => r));
        if (again.Count == 0) return new Attempted<IReadOnlyList<ObjectEntry>>(done);
        var names = again.Select(f => f.ObjectName!).ToHashSet(StringComparer.Ordinal);
        return new Attempted<IReadOnlyList<ObjectEntry>>(done, group.Where(e => names.Contains(e.Name)).ToList(), again, again[0].Error);
    }

    /// <summary>Results split into those that are final and the failures a later try may fix.</summary>
    private (List<FileResult> Done, List<FileFailed> Again) Separate(IEnumerable<FileResult> results)
    {
        var done = new List<FileResult>();
        var again = new List<FileFailed>();
        foreach (var r in results)
        {
            if (TransferRunner.Retriable(r, cancellationToken) is { } failed) again.Add(failed);
            else done.Add(r);
        }
        return (done, again);
    }

    /// <summary>The results of a batch not tried.</summary>
    internal IReadOnlyList<FileResult> NotAttempted(DeleteBatch b, string reason) => b.Names.Select(n => NotAttempted(container, n, reason)).ToList();

    /// <summary>The result of an entry not tried.</summary>
    internal FileResult NotAttemptedOne(ObjectEntry e, string reason) => NotAttempted(container, e.Name, reason);

    /// <summary>The results of a group of entries not tried.</summary>
    internal static IReadOnlyList<FileResult> NotAttempted(string container, IReadOnlyList<ObjectEntry> group, string reason) =>
        group.Select(e => NotAttempted(container, e.Name, reason)).ToList();

    private static FileResult NotAttempted(string container, string name, string reason) => new FileNotAttempted(container + "/" + name, name, 0, reason);

    /// <summary>Deletes one entry, with its segments when it is a large object (known by name only, or <paramref name="large"/>
    /// null and not listed: a HEAD asks). Never throws.</summary>
    internal async Task<FileResult> DeleteOneAsync(ObjectEntry entry, bool? large = null)
    {
        try
        {
            await _singles.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            return new FileFailed(container + "/" + entry.Name, entry.Name, 0, FailureText.Describe(e)) { Error = e };
        }
        try
        {
            return await DeleteOneAsync(client, container, entry.Name, large ?? (entry.IsNameOnly ? null : entry.SloETag is not null), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _singles.Release();
        }
    }

    internal async Task<Attempted<DeleteBatch>> DeleteBatchAsync(DeleteBatch batch)
    {
        List<FileResult> results;
        try
        {
            await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var answer = await client.BulkDeleteAsync(batch.Names.Select(n => (container, (string?)n)).ToList(), capabilities, cancellationToken)
                    .ConfigureAwait(false);
                results = answer.Items.Select(Result).ToList();
            }
            finally
            {
                _requests.Release();
            }
        }
        catch (Exception e)
        {
            results = batch.Names.Select(n => (FileResult)new FileFailed(container + "/" + n, n, 0, FailureText.Describe(e)) { Error = e }).ToList();
        }
        var (done, again) = Separate(results);
        return again.Count == 0
            ? new Attempted<DeleteBatch>(done)
            : new Attempted<DeleteBatch>(done, batch with { Names = again.Select(f => f.ObjectName!).ToList() }, again, again[0].Error);
    }

    private FileResult Result(BulkDeleteItem item)
    {
        var name = item.Name!;
        var path = container + "/" + name;
        return item.Outcome switch
        {
            BulkDeleteOutcome.Deleted => new FileDeleted(path, name),
            BulkDeleteOutcome.NotFound => new FileSkipped(path, name, 0, "not found"),
            _ => new FileFailed(path, name, 0, item.Error?.Message ?? item.Reason ?? "not deleted") { Error = item.Error },
        };
    }

    /// <summary>Deletes one object (<paramref name="large"/> null: a HEAD asks whether its segments go too). Never throws.</summary>
    internal static async Task<FileResult> DeleteOneAsync(ObjectStoreClient client, string container, string name, bool? large, CancellationToken cancellationToken)
    {
        var path = container + "/" + name;
        try
        {
            return await client.DeleteObjectAsync(container, name, withSegments: large ?? true, cancellationToken).ConfigureAwait(false)
                ? new FileDeleted(path, name)
                : new FileSkipped(path, name, 0, "not found");
        }
        catch (Exception e)
        {
            return new FileFailed(path, name, 0, FailureText.Describe(e)) { Error = e };
        }
    }
}
