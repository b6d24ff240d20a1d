using System.Buffers;
using System.Numerics;
using System.Text;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// A container listing kept compact for the skip decision: per object its name as UTF-8 in shared byte chunks, its size as
/// a long and, for a plain object, its MD5 as 16 bytes; no string, record or hash-table entry per object. Names are looked
/// up by binary search in UTF-8 byte order, the order Swift lists in (a listing out of that order is sorted once when
/// sealed). Not thread-safe while it is filled; read-only and safe to share once <see cref="Seal"/> has run.
/// </summary>
internal sealed class ListingIndex
{
    /// <summary>Names go into chunks of at most this many bytes, so the buffer grows without copying what it holds.</summary>
    internal const int ChunkBytes = 1 << ChunkShift;

    private const int ChunkShift = 20;

    /// <summary>The first chunk's size when nothing is expected: a directory's listing of a few names must not cost a
    /// megabyte (a listing per directory makes many of them). Each further chunk doubles, up to <see cref="ChunkBytes"/>.</summary>
    private const int FirstChunkBytes = 4096;

    /// <summary>Chunks at most: a name's place is one int (chunk and offset), so names take at most 2 GiB in all.</summary>
    private const int MaxChunks = int.MaxValue / ChunkBytes;

    /// <summary>A name is stored after a two-byte length; longer names than this are not kept (<see cref="Add"/> refuses them).</summary>
    internal const int MaxNameBytes = ushort.MaxValue;

    private const int Md5Bytes = 16;

    private readonly List<byte[]> _chunks = [];
    private readonly int _firstChunkBytes;
    private int _used;                // in the last chunk (none yet: the first name opens one)
    private int[] _starts;            // chunk index << ChunkShift | offset of the name's length prefix
    private long[] _sizes;
    private byte[] _md5;              // 16 bytes per entry; meaningful where _plain is set
    private bool[] _plain;
    private bool _sorted = true;
    private bool _sealed;

    /// <summary>An empty index with room for <paramref name="expected"/> entries (it grows past that when it must).</summary>
    internal ListingIndex(int expected = 0)
    {
        var n = Math.Max(0, expected);
        // Room for names of about 32 bytes each, as a start.
        _firstChunkBytes = (int)Math.Clamp((long)BitOperations.RoundUpToPowerOf2((uint)Math.Min(n, ChunkBytes) * 32), FirstChunkBytes, ChunkBytes);
        _starts = new int[n];
        _sizes = new long[n];
        _md5 = new byte[n * Md5Bytes];
        _plain = new bool[n];
    }

    /// <summary>Entries held.</summary>
    internal int Count { get; private set; }

    /// <summary>Bytes of memory the index holds (its arrays and name chunks).</summary>
    internal long MemoryBytes => _chunks.Sum(c => (long)c.Length) + _starts.LongLength * (sizeof(int) + sizeof(long) + Md5Bytes + 1);

    /// <summary>Adds one listed object. <paramref name="contentMd5"/> is the hex MD5 of its content (quotes allowed), or null
    /// when the listed hash does not say what the content is (a large object); a hash that is not a hex MD5 counts as null.</summary>
    /// <returns>False (nothing added) when the name is longer than <see cref="MaxNameBytes"/> bytes of UTF-8, or the names
    /// fill the index's 2 GiB.</returns>
    internal bool Add(string name, long bytes, string? contentMd5)
    {
        if (_sealed) throw new InvalidOperationException("The listing index is sealed");
        var length = Encoding.UTF8.GetByteCount(name);
        if (length > MaxNameBytes) return false;
        if (Count == _starts.Length) Grow();
        if (_chunks.Count == 0 || _used + 2 + length > _chunks[^1].Length)
        {
            if (_chunks.Count == MaxChunks) return false;
            var size = _chunks.Count == 0 ? _firstChunkBytes : Math.Min(ChunkBytes, _chunks[^1].Length * 2);
            _chunks.Add(new byte[Math.Max(size, (int)BitOperations.RoundUpToPowerOf2((uint)(2 + length)))]);
            _used = 0;
        }
        var chunk = _chunks[^1];
        chunk[_used] = (byte)(length >> 8);
        chunk[_used + 1] = (byte)length;
        Encoding.UTF8.GetBytes(name, chunk.AsSpan(_used + 2, length));
        _starts[Count] = ((_chunks.Count - 1) << ChunkShift) | _used;
        _used += 2 + length;
        _sizes[Count] = bytes;
        _plain[Count] = contentMd5 is not null && TryParseMd5(contentMd5, _md5.AsSpan(Count * Md5Bytes, Md5Bytes));
        if (_sorted && Count > 0 && Name(Count - 1).SequenceCompareTo(Name(Count)) > 0) _sorted = false;
        Count++;
        return true;
    }

    /// <summary>Ends filling: sorts the entries when the listing came out of byte order. Lookups need it.</summary>
    internal ListingIndex Seal()
    {
        if (!_sealed && !_sorted) SortEntries();
        _sealed = true;
        return this;
    }

    /// <summary>The entry of <paramref name="name"/>, or -1 when it was not listed.</summary>
    internal int Find(string name)
    {
        if (!_sealed) throw new InvalidOperationException("The listing index is not sealed");
        var length = Encoding.UTF8.GetByteCount(name);
        if (length > MaxNameBytes || Count == 0) return -1;
        byte[]? rented = null;
        var key = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            Encoding.UTF8.GetBytes(name, key);
            int lo = 0, hi = Count - 1;
            while (lo <= hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                var c = Name(mid).SequenceCompareTo(key);
                if (c == 0) return mid;
                if (c < 0) lo = mid + 1;
                else hi = mid - 1;
            }
            return -1;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The listed size of an entry.</summary>
    internal long Size(int entry) => _sizes[entry];

    /// <summary>True when the entry's listed hash is the MD5 of its content.</summary>
    internal bool HasContentMd5(int entry) => _plain[entry];

    /// <summary>True when the entry has a content MD5 and it is <paramref name="md5"/> (hex, quotes and case ignored).</summary>
    internal bool Md5Is(int entry, string md5)
    {
        if (!_plain[entry]) return false;
        Span<byte> given = stackalloc byte[Md5Bytes];
        return TryParseMd5(md5, given) && given.SequenceEqual(_md5.AsSpan(entry * Md5Bytes, Md5Bytes));
    }

    private ReadOnlySpan<byte> Name(int entry)
    {
        var start = _starts[entry];
        var chunk = _chunks[start >> ChunkShift];
        var at = start & (ChunkBytes - 1);
        return chunk.AsSpan(at + 2, (chunk[at] << 8) | chunk[at + 1]);
    }

    private static bool TryParseMd5(string hash, Span<byte> into)
    {
        var hex = hash.AsSpan().Trim().Trim('"');
        return hex.Length == Md5Bytes * 2 && Convert.FromHexString(hex, into, out _, out var written) == OperationStatus.Done && written == Md5Bytes;
    }

    private void Grow()
    {
        var n = Math.Max(1024, _starts.Length * 2);
        Array.Resize(ref _starts, n);
        Array.Resize(ref _sizes, n);
        Array.Resize(ref _md5, n * Md5Bytes);
        Array.Resize(ref _plain, n);
    }

    private void SortEntries()
    {
        var order = new int[Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => Name(a).SequenceCompareTo(Name(b)));
        var starts = new int[Count];
        var sizes = new long[Count];
        var md5 = new byte[Count * Md5Bytes];
        var plain = new bool[Count];
        for (var i = 0; i < order.Length; i++)
        {
            var from = order[i];
            starts[i] = _starts[from];
            sizes[i] = _sizes[from];
            plain[i] = _plain[from];
            _md5.AsSpan(from * Md5Bytes, Md5Bytes).CopyTo(md5.AsSpan(i * Md5Bytes, Md5Bytes));
        }
        (_starts, _sizes, _md5, _plain) = (starts, sizes, md5, plain);
        _sorted = true;
    }
}
