using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// Names to entries in Swift's listing order, as a container or account server holds them: a listing page starts at
/// its marker or prefix by binary search over a snapshot of the names, instead of a walk from the first name, so a
/// listing per directory of a container of a million objects costs its page, not the container. The snapshot is taken
/// on the first listing after a change (writes and listings rarely interleave at scale). Not thread-safe: the store
/// holds its lock.
/// </summary>
internal sealed class SwiftSortedMap<T> : IEnumerable<KeyValuePair<string, T>> where T : class
{
    private readonly SortedDictionary<string, T> _items = new(SwiftOrder.Instance);
    private KeyValuePair<string, T>[]? _snapshot;

    /// <summary>Changes so far: a value derived from the entries is still current while this is unchanged.</summary>
    public long Version { get; private set; }

    public int Count => _items.Count;

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<T> Values => _items.Values;

    public T this[string name]
    {
        get => _items[name];
        set
        {
            _items[name] = value;
            Changed();
        }
    }

    public bool TryGetValue(string name, [MaybeNullWhen(false)] out T value) => _items.TryGetValue(name, out value);

    public bool Remove(string name)
    {
        if (!_items.Remove(name)) return false;
        Changed();
        return true;
    }

    /// <summary>The entries in order, from the first name after <paramref name="after"/> (exclusive) and not below
    /// <paramref name="from"/> (inclusive); either may be null.</summary>
    public IEnumerable<KeyValuePair<string, T>> Starting(string? after, string? from)
    {
        var all = _snapshot ??= _items.ToArray();
        int lo = 0, hi = all.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var name = all[mid].Key;
            var below = (after is not null && SwiftOrder.Compare(name, after) <= 0) || (from is not null && SwiftOrder.Compare(name, from) < 0);
            if (below) lo = mid + 1;
            else hi = mid;
        }
        for (var i = lo; i < all.Length; i++) yield return all[i];
    }

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Changed()
    {
        _snapshot = null;
        Version++;
    }
}
