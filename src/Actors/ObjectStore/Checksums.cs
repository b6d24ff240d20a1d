using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace OpenStack.Actors.ObjectStore;

/// <summary>MD5s as Swift computes them: of content, of file ranges, and of Static Large Objects.</summary>
public static class Checksums
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>The MD5 of an empty object.</summary>
    public const string EmptyMd5 = "d41d8cd98f00b204e9800998ecf8427e";

    /// <summary>Lower-case hex MD5 of a stream, read to its end.</summary>
    public static async Task<string> Md5HexAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        // A small file needs no more than its own length (plus one byte to see the end in the same read): the pool keeps
        // small arrays for small files instead of handing every hash a large one.
        var size = stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position + 1, 1, BufferSize) : BufferSize;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false)) > 0)
                md5.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>Lower-case hex MD5 of <paramref name="length"/> bytes of a file from <paramref name="offset"/>.</summary>
    public static async Task<string> Md5OfFileAsync(string path, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        await using var stream = FileSegmentStream.Open(path, offset, length);
        return await Md5HexAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ETag of a Static Large Object: the MD5 of its segments' hex MD5s concatenated.</summary>
    public static string SloETag(IEnumerable<string> segmentMd5s)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var s in segmentMd5s) md5.AppendData(Encoding.ASCII.GetBytes(s.ToLowerInvariant()));
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>
    /// True when a file holds what a Static Large Object's segments describe: the same total size and, range by range,
    /// the same MD5s. Stops at the first difference.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="segments">The manifest (see <see cref="ObjectStoreClient.GetManifestAsync"/>).</param>
    /// <param name="onRangeHashed">Told every range's offset, length and MD5 (lets a caller keep hashes it will need again).</param>
    /// <param name="cancellationToken">Stops hashing.</param>
    public static async Task<bool> MatchesSegmentsAsync(string path, IReadOnlyList<SloSegment> segments, Action<long, long, string>? onRangeHashed = null,
        CancellationToken cancellationToken = default)
    {
        var length = new FileInfo(path).Length;
        // A segment without a comparable MD5 (a byte range of another object) cannot prove anything.
        if (segments.Sum(s => s.SizeBytes) != length || segments.Any(s => s.ETag.Length == 0)) return false;
        long offset = 0;
        foreach (var s in segments)
        {
            var md5 = await Md5OfFileAsync(path, offset, s.SizeBytes, cancellationToken).ConfigureAwait(false);
            onRangeHashed?.Invoke(offset, s.SizeBytes, md5);
            if (!SameETag(md5, s.ETag)) return false;
            offset += s.SizeBytes;
        }
        return true;
    }

    /// <summary>True when two ETags are the same MD5 (quotes and case ignored).</summary>
    public static bool SameETag(string? a, string? b) =>
        a is not null && b is not null && string.Equals(SwiftHeaders.UnquoteETag(a), SwiftHeaders.UnquoteETag(b), StringComparison.OrdinalIgnoreCase);
}

/// <summary>A read-only stream over a range of a file: how a segment is sent without copying it.</summary>
public sealed class FileSegmentStream : Stream
{
    private readonly FileStream _file;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    private FileSegmentStream(FileStream file, long start, long length)
    {
        _file = file;
        _start = start;
        _length = length;
        _file.Position = start;
    }

    /// <summary>Opens <paramref name="length"/> bytes (default: to the end) of a file from <paramref name="offset"/>.</summary>
    public static FileSegmentStream Open(string path, long offset = 0, long? length = null)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0, // callers read in large blocks; a second buffer would only copy
        });
        try
        {
            var available = Math.Max(0, file.Length - offset);
            return new FileSegmentStream(file, offset, length is { } l ? Math.Min(l, available) : available);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var n = _file.Read(buffer[..Clamp(buffer.Length)]);
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _file.ReadAsync(buffer[..Clamp(buffer.Length)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    private int Clamp(int requested) => (int)Math.Min(requested, _length - _position);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target < 0 || target > _length) throw new ArgumentOutOfRangeException(nameof(offset));
        _file.Position = _start + target;
        _position = target;
        return target;
    }

    /// <inheritdoc />
    public override void Flush() { }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Passes reads through, hashing them (MD5) and counting bytes: verifies a body whose MD5 was not known before sending.</summary>
internal sealed class HashingReadStream(Stream inner, Action<long>? onRead = null) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private string? _result;
    private bool _disposed;

    public long BytesRead { get; private set; }

    /// <summary>The MD5 of everything read; call after the stream was read to its end.</summary>
    public string Md5Hex => _result ??= Convert.ToHexStringLower(_md5.GetHashAndReset());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        _md5.AppendData(data);
        BytesRead += data.Length;
        onRead?.Invoke(data.Length);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            // The transport disposes the body when sent; the hash is read after that.
            _result ??= Convert.ToHexStringLower(_md5.GetHashAndReset());
            inner.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Counts bytes as the transport reads them, for progress; forwards everything else.</summary>
internal sealed class CountingReadStream(Stream inner, Action<long> onRead) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (n > 0) onRead(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0) onRead(n);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
