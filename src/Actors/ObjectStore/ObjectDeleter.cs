using Akka;
using Akka.Streams.Dsl;

namespace OpenStack.Actors.ObjectStore;

/// <summary>Objects deleted together: plain ones in one bulk request, or one large object (with its segments).</summary>
internal sealed record DeleteBatch(IReadOnlyList<string> Names, bool Large);

/// <summary>The per-object and per-batch work of a delete in one container: bulk requests where the cluster has them
/// (<see cref="ObjectStoreSettings.BulkDeletePerRequest"/> names each, few at once), large objects one by one with their segments.</summary>
internal sealed class ObjectDeleter(ObjectStoreClient client, string container, ObjectStoreSettings settings, SwiftCapabilities capabilities,
    CancellationToken cancellationToken)
{
    // Few bulk requests at once: each already keeps the proxy deleting several objects at a time.
    private readonly SemaphoreSlim _requests = new(settings.BulkDeleteRequests);

    /// <summary>Names per bulk request; 0 when the cluster has no bulk delete.</summary>
    internal int PerRequest { get; } = settings.BulkDeletePerRequest(capabilities);

    /// <summary>Listed objects (name, and whether they are large) in the batches of <see cref="PerRequest"/> a bulk delete takes.</summary>
    internal Source<DeleteBatch, NotUsed> Batches(Source<(string Name, bool? Large), NotUsed> listing) =>
        listing.Grouped(PerRequest).SelectMany(Split);

    /// <summary>A group of listed objects as batches: its large objects one each (their segments go too), the rest in one.</summary>
    internal static IEnumerable<DeleteBatch> Split(IEnumerable<(string Name, bool? Large)> group)
    {
        var list = group.ToList();
        return list.Where(t => t.Large == true).Select(t => new DeleteBatch([t.Name], Large: true))
            .Append(new DeleteBatch(list.Where(t => t.Large != true).Select(t => t.Name).ToList(), Large: false))
            .Where(b => b.Names.Count > 0);
    }

    /// <summary>The results of a batch not tried.</summary>
    internal IReadOnlyList<FileResult> NotAttempted(DeleteBatch b, string reason) =>
        b.Names.Select(n => (FileResult)new FileNotAttempted(container + "/" + n, n, 0, reason)).ToList();

    internal async Task<Attempted<DeleteBatch>> DeleteBatchAsync(DeleteBatch batch)
    {
        List<FileResult> results;
        if (batch.Large)
        {
            results = [await DeleteOneAsync(client, container, batch.Names[0], true, cancellationToken).ConfigureAwait(false)];
        }
        else
        {
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
        }
        var done = new List<FileResult>(results.Count);
        var again = new List<FileFailed>();
        foreach (var r in results)
        {
            if (TransferRunner.Retriable(r, cancellationToken) is { } failed) again.Add(failed);
            else done.Add(r);
        }
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
