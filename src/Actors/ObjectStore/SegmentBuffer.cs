using System.Security.Cryptography;

namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// One segment of a stream of unknown length, held in memory so that a failed PUT of it can be sent again (the stream
/// cannot be rewound). Kept in chunks, so a small stream does not allocate a whole segment, and reused from one segment
/// to the next, so an upload holds one segment at a time. Its MD5 is computed while it is read.
/// </summary>
internal sealed class SegmentBuffer
{
    private const int ChunkSize = 1 << 20;
    private readonly Stream _input;
    private readonly List<byte[]> _chunks = new();
    private readonly byte[] _peek = new byte[1];
    private bool _peeked;

    internal SegmentBuffer(Stream input) => _input = input;

    /// <summary>Bytes in the buffer.</summary>
    internal long Length { get; private set; }

    /// <summary>The MD5 (hex) of the bytes in the buffer.</summary>
    internal string Md5 { get; private set; } = "";

    /// <summary>Replaces the buffer's content with the stream's next <paramref name="limit"/> bytes, or what is left of
    /// them when the stream ends first.</summary>
    internal async Task FillAsync(long limit, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Length = 0;
        if (_peeked && limit > 0)
        {
            Chunk(0)[0] = _peek[0];
            md5.AppendData(_peek);
            Length = 1;
            _peeked = false;
        }
        while (Length < limit)
        {
            var chunk = Chunk((int)(Length / ChunkSize));
            var at = (int)(Length % ChunkSize);
            var n = await _input.ReadAsync(chunk.AsMemory(at, (int)Math.Min(ChunkSize - at, limit - Length)), cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            md5.AppendData(chunk, at, n);
            Length += n;
        }
        Md5 = Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>True when the stream has no byte after the buffer's; reads one ahead otherwise (it starts the next fill).</summary>
    internal async Task<bool> AtEndAsync(CancellationToken cancellationToken)
    {
        if (_peeked) return false;
        _peeked = await _input.ReadAsync(_peek, cancellationToken).ConfigureAwait(false) == 1;
        return !_peeked;
    }

    /// <summary>A new stream over the buffer's bytes (one per attempt, so a retry sends them again).</summary>
    internal Stream Open() => new ChunkStream(_chunks, Length);

    private byte[] Chunk(int index)
    {
        while (_chunks.Count <= index) _chunks.Add(new byte[ChunkSize]);
        return _chunks[index];
    }

    /// <summary>Reads the first <c>length</c> bytes of the chunks.</summary>
    private sealed class ChunkStream(List<byte[]> chunks, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (_position >= length) return 0;
            var chunk = chunks[(int)(_position / ChunkSize)];
            var at = (int)(_position % ChunkSize);
            var n = (int)Math.Min(Math.Min(buffer.Length, ChunkSize - at), length - _position);
            chunk.AsSpan(at, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
