namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// What an upload knows about the objects already in its container, from listings rather than a HEAD per file. A file
/// whose object is not listed needs no HEAD (a new container: one request per file, as rclone does), and a plain object
/// whose size and MD5 match is skipped from the listing alone; anything else (large objects, <c>--skip changed</c>)
/// still asks with a HEAD. Listings are kept as <see cref="ListingIndex"/>es (name bytes, size, MD5 bytes per object).
/// A container of at most <see cref="ObjectStoreSettings.ListPerDirectoryAbove"/> objects is listed once, up front
/// (few requests); a larger one a directory at a time, as the walk reaches it (<c>prefix=dir/&amp;delimiter=/</c>, as
/// rclone does without <c>--fast-list</c>), and only the directories used last are held, so memory does not grow with
/// the container. Any one listing holds at most <see cref="ObjectStoreSettings.PreloadListingLimit"/> objects; where
/// that is not enough, files are asked about with a HEAD.
/// </summary>
internal abstract class ExistingObjects
{
    /// <summary>Directories whose listings a per-directory lookup keeps: a depth-first walk comes back to a parent after
    /// its subdirectories, and the files in flight span a few directories at most.</summary>
    internal const int DirectoriesHeld = 16;

    /// <summary>
    /// The lookup for an upload into <paramref name="container"/> under <paramref name="prefix"/>: nothing listed when
    /// it was just created, one listing when it holds few objects, listings per directory when it holds more; null
    /// (ask per file) when the limit is 0.
    /// </summary>
    internal static async Task<ExistingObjects?> LoadAsync(ObjectStoreClient client, string container, string? prefix, ObjectStoreSettings settings,
        bool justCreated, CancellationToken cancellationToken)
    {
        var limit = settings.PreloadListingLimit;
        if (limit <= 0) return null;
        if (justCreated) return new Whole(new ListingIndex().Seal());
        // The count covers the whole container, prefix or not: a cheap first look before reading pages.
        var info = await client.GetContainerAsync(container, cancellationToken).ConfigureAwait(false);
        var perDirectory = new PerDirectory(client, container, limit, DirectoriesHeld);
        if (info.ObjectCount > Math.Min(limit, settings.ListPerDirectoryAbove)) return perDirectory;
        var whole = string.IsNullOrEmpty(prefix);
        var objects = await ListAsync(client, container, new ListOptions { Prefix = whole ? null : prefix },
            whole ? (int)info.ObjectCount : 0, limit, cancellationToken).ConfigureAwait(false);
        // Null: the listing outgrew the count it started from (objects were added meanwhile).
        return objects is null ? perDirectory : new Whole(objects);
    }

    /// <summary>What the listings say about <paramref name="name"/>.</summary>
    internal abstract ValueTask<ListedObject> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>The objects of one listing as an index; null when there are more than <paramref name="limit"/> or a
    /// name the index cannot hold (it could not answer for it). Pseudo-directories are left out.</summary>
    private static async Task<ListingIndex?> ListAsync(ObjectStoreClient client, string container, ListOptions options, int expected, int limit,
        CancellationToken cancellationToken)
    {
        var objects = new ListingIndex(Math.Min(expected, limit));
        await foreach (var e in client.ListObjectsAsync(container, options, cancellationToken).ConfigureAwait(false))
        {
            if (e.IsSubdir) continue;
            if (objects.Count >= limit || !objects.Add(e.Name, e.Bytes, IsPlain(e) ? e.Hash : null)) return null;
        }
        return objects.Seal();
    }

    // Large objects list the hash of their manifest, not of their content; an empty plain object may be a DLO manifest.
    private static bool IsPlain(ObjectEntry e) =>
        e.SloETag is null && e.Bytes > 0 && e.ContentType?.Contains("swift_bytes=", StringComparison.OrdinalIgnoreCase) != true;

    /// <summary>One listing of everything under the upload's prefix, taken up front.</summary>
    internal sealed class Whole(ListingIndex objects) : ExistingObjects
    {
        internal override ValueTask<ListedObject> FindAsync(string name, CancellationToken cancellationToken) => new(ListedObject.In(objects, name));
    }

    /// <summary>
    /// A listing per directory (the object name up to its last <c>/</c>), taken when the first file of it asks, shared by
    /// the files that ask while it is read, and kept for the <see cref="DirectoriesHeld"/> directories asked about last.
    /// A listing that fails is forgotten, so the file's retry lists again.
    /// </summary>
    internal sealed class PerDirectory(ObjectStoreClient client, string container, int limit, int held) : ExistingObjects
    {
        private readonly object _lock = new();
        private readonly Dictionary<string, LinkedListNode<(string Directory, Task<ListingIndex?> Listing)>> _byDirectory = new(StringComparer.Ordinal);
        private readonly LinkedList<(string Directory, Task<ListingIndex?> Listing)> _recent = new();   // most recent first
        private int _listings;

        /// <summary>Directory listings started so far.</summary>
        internal int Listings => Volatile.Read(ref _listings);

        internal override async ValueTask<ListedObject> FindAsync(string name, CancellationToken cancellationToken)
        {
            var directory = name[..(name.LastIndexOf('/') + 1)];
            var listing = Listing(directory, cancellationToken);
            ListingIndex? objects;
            try
            {
                objects = await listing.ConfigureAwait(false);
            }
            catch
            {
                Forget(directory, listing);
                throw;
            }
            return objects is null ? ListedObject.Unknown : ListedObject.In(objects, name);
        }

        private Task<ListingIndex?> Listing(string directory, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_byDirectory.TryGetValue(directory, out var node))
                {
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                    return node.Value.Listing;
                }
                Interlocked.Increment(ref _listings);
                var options = new ListOptions { Prefix = directory.Length == 0 ? null : directory, Delimiter = '/' };
                var listing = ListAsync(client, container, options, 0, limit, cancellationToken);
                _byDirectory[directory] = _recent.AddFirst((directory, listing));
                while (_recent.Count > held)
                {
                    _byDirectory.Remove(_recent.Last!.Value.Directory);
                    _recent.RemoveLast();
                }
                return listing;
            }
        }

        private void Forget(string directory, Task<ListingIndex?> listing)
        {
            lock (_lock)
            {
                if (!_byDirectory.TryGetValue(directory, out var node) || node.Value.Listing != listing) return;
                _byDirectory.Remove(directory);
                _recent.Remove(node);
            }
        }
    }
}

/// <summary>What a listing says about one object name: not known (ask with a HEAD), not listed, or listed with a size and
/// maybe its content's MD5.</summary>
internal readonly struct ListedObject
{
    private readonly ListingIndex? _index;
    private readonly int _entry;

    private ListedObject(ListingIndex? index, int entry) => (_index, _entry) = (index, entry);

    /// <summary>No listing answers for the name.</summary>
    internal static ListedObject Unknown => default;

    /// <summary>The name's entry in <paramref name="index"/> (absent when it has none).</summary>
    internal static ListedObject In(ListingIndex index, string name) => new(index, index.Find(name));

    /// <summary>True when a listing that would have it does not.</summary>
    internal bool IsAbsent => _index is not null && _entry < 0;

    /// <summary>True when it is listed as a plain object of this size, so its MD5 decides (<see cref="IsIdentical"/>).</summary>
    internal bool IsPlainOfLength(long length) => _index is not null && _entry >= 0 && _index.Size(_entry) == length && _index.HasContentMd5(_entry);

    /// <summary>True when it is listed as a plain object of this size whose ETag is <paramref name="md5"/>.</summary>
    internal bool IsIdentical(long length, string md5) => _index is not null && _entry >= 0 && _index.Size(_entry) == length && _index.Md5Is(_entry, md5);
}
