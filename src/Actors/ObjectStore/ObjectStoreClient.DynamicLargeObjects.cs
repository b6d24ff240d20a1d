using OpenStack.Actors.Session;

namespace OpenStack.Actors.ObjectStore;

// Dynamic Large Objects (X-Object-Manifest), as `swift upload --segment-size` without --use-slo and rclone's chunked
// uploads write them: a 0-byte manifest object whose content is every object under a prefix, in name order.
public sealed partial class ObjectStoreClient
{
    /// <summary>
    /// The segments of a Dynamic Large Object: the objects under its manifest's prefix, in name order (the order Swift
    /// concatenates them in), each with its MD5 and size. Use <see cref="ObjectMetadata.DynamicManifest"/> of a HEAD.
    /// </summary>
    /// <param name="manifest">The <c>X-Object-Manifest</c> value: <c>&lt;container&gt;/&lt;prefix&gt;</c>, URL-encoded or not.</param>
    /// <param name="cancellationToken">Stops listing.</param>
    /// <returns>Segments with <c>/container/object</c> paths; empty when nothing is under the prefix (or the container is gone).</returns>
    /// <exception cref="ObjectStoreProtocolException">The value has no container part.</exception>
    public async Task<IReadOnlyList<SloSegment>> ListDynamicSegmentsAsync(string manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var (container, prefix) = ParseDynamicManifest(manifest);
        var segments = new List<SloSegment>();
        try
        {
            await foreach (var e in ListObjectsAsync(container, new ListOptions { Prefix = prefix.Length == 0 ? null : prefix }, cancellationToken).ConfigureAwait(false))
                segments.Add(new SloSegment("/" + container + "/" + e.Name, e.Hash ?? "", e.Bytes));
        }
        catch (Http.HttpErrorException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            // Swift answers a DLO whose segment container is gone as an empty object.
        }
        return segments;
    }

    /// <summary>The container and prefix of an <c>X-Object-Manifest</c> value (Swift unquotes it the same way).</summary>
    internal static (string Container, string Prefix) ParseDynamicManifest(string manifest)
    {
        var value = Uri.UnescapeDataString(manifest.Trim()).TrimStart('/');
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) throw new ObjectStoreProtocolException($"X-Object-Manifest '{manifest}' is not of the form <container>/<prefix>");
        return (value[..slash], value[(slash + 1)..]);
    }

    /// <summary>The segments of a large object after a HEAD: the Static Large Object's manifest or the Dynamic Large
    /// Object's listing; null for a plain object.</summary>
    internal async Task<IReadOnlyList<SloSegment>?> GetSegmentsAsync(ObjectMetadata head, CancellationToken cancellationToken)
    {
        if (head.IsStaticLargeObject) return await GetManifestAsync(head.Container, head.Name, cancellationToken).ConfigureAwait(false);
        return head.DynamicManifest is { } manifest ? await ListDynamicSegmentsAsync(manifest, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>
    /// The HEAD of a listed entry when it is a Dynamic Large Object: its real size, ETag and <c>X-Object-Manifest</c> (the
    /// listing shows the manifest's own 0 bytes). Asks only about entries with <see cref="ObjectEntry.MayBeDynamicLargeObject"/>;
    /// null for every other entry and for a 0-byte object that is not a manifest.
    /// </summary>
    public async Task<ObjectMetadata?> HeadIfDynamicAsync(string container, ObjectEntry entry, CancellationToken cancellationToken = default)
    {
        if (!entry.MayBeDynamicLargeObject) return null;
        var head = await HeadObjectAsync(container, entry.Name, cancellationToken).ConfigureAwait(false);
        return head?.DynamicManifest is null ? null : head;
    }
}
