namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// What an upload knows up front about the objects already in its container: one listing taken at the start, when the
/// container holds at most <see cref="ObjectStoreSettings.PreloadListingLimit"/> objects. A file whose object is not
/// listed needs no HEAD (a new container: one request per file, as rclone does), and a plain object whose size and MD5
/// match is skipped from the listing alone. Anything else (large objects, <c>--skip changed</c>) still asks with a HEAD.
/// The listing is kept as a <see cref="ListingIndex"/> (name bytes, size, MD5 bytes per object), so memory is bounded by
/// the limit; above it the upload falls back to a HEAD per file.
/// </summary>
internal sealed class ExistingObjects
{
    private readonly ListingIndex _objects;

    private ExistingObjects(ListingIndex objects) => _objects = objects;

    /// <summary>Objects listed.</summary>
    internal int Count => _objects.Count;

    /// <summary>
    /// Lists <paramref name="container"/> under <paramref name="prefix"/> (nothing to list when it was just created); null
    /// (unknown: ask per file) when it holds more than <paramref name="limit"/> objects or the limit is 0.
    /// </summary>
    internal static async Task<ExistingObjects?> LoadAsync(ObjectStoreClient client, string container, string? prefix, int limit, bool justCreated,
        CancellationToken cancellationToken)
    {
        if (limit <= 0) return null;
        if (justCreated) return new ExistingObjects(new ListingIndex().Seal());
        // The count covers the whole container, prefix or not: a cheap first look before reading pages.
        var info = await client.GetContainerAsync(container, cancellationToken).ConfigureAwait(false);
        if (info.ObjectCount > limit) return null;
        var whole = string.IsNullOrEmpty(prefix);
        var objects = new ListingIndex(whole ? (int)Math.Min(info.ObjectCount, limit) : 0);
        await foreach (var e in client.ListObjectsAsync(container, new ListOptions { Prefix = whole ? null : prefix }, cancellationToken)
                           .ConfigureAwait(false))
        {
            // Over the limit: the count lagged behind the listing. A name the index cannot hold: it could not answer for it.
            if (objects.Count >= limit || !objects.Add(e.Name, e.Bytes, IsPlain(e) ? e.Hash : null)) return null;
        }
        return new ExistingObjects(objects.Seal());
    }

    // Large objects list the hash of their manifest, not of their content; an empty plain object may be a DLO manifest.
    private static bool IsPlain(ObjectEntry e) =>
        e.SloETag is null && e.Bytes > 0 && e.ContentType?.Contains("swift_bytes=", StringComparison.OrdinalIgnoreCase) != true;

    /// <summary>True when the listing had no object of this name.</summary>
    internal bool IsAbsent(string name) => _objects.Find(name) < 0;

    /// <summary>True when the listed object is a plain object of this size whose ETag is <paramref name="md5"/>.</summary>
    internal bool IsIdentical(string name, long length, string md5) =>
        _objects.Find(name) is >= 0 and var i && _objects.Size(i) == length && _objects.Md5Is(i, md5);

    /// <summary>True when the listed object is plain and of this size, so its MD5 decides (<see cref="IsIdentical"/>).</summary>
    internal bool IsPlainOfLength(string name, long length) =>
        _objects.Find(name) is >= 0 and var i && _objects.Size(i) == length && _objects.HasContentMd5(i);
}
