using System.Threading.RateLimiting;

namespace OpenStack.Actors.Transport;

/// <summary>
/// The token buckets behind <see cref="TransportSettings.RequestsPerSecond"/> and <see cref="TransportSettings.BandwidthLimit"/>:
/// one of each per session, shared by its whole transport pool, so the total across all parallel transfers stays at the limit.
/// Waiters are served oldest first, and none is ever refused (the queue has no practical limit).
/// </summary>
internal static class RateLimits
{
    /// <summary>The bucket for requests per second, or null when the limit is off (0).</summary>
    /// <param name="perSecond">Requests per second; fractions allowed (0.5 is one every 2 s).</param>
    public static TokenBucketRateLimiter? Requests(double perSecond) => Bucket(perSecond, periodSeconds: 0.05, capacity: 1)?.Limiter;

    /// <summary>The bucket for body bytes per second, or null when the limit is off (0). A read takes at most one period's
    /// tokens, and the bucket holds two periods' worth, so what a refill brings is never lost to a read that waits for more.</summary>
    public static ByteBucket? Bandwidth(long bytesPerSecond) =>
        Bucket(bytesPerSecond, periodSeconds: 0.1, capacity: 2) is { } b ? new ByteBucket(b.Limiter, b.PerPeriod) : null;

    /// <summary>
    /// A bucket refilled with whole tokens at a period chosen so that the rate is exact: <c>k</c> tokens every <c>k / rate</c>
    /// seconds, where <c>k</c> is about <paramref name="periodSeconds"/> of the rate (at least 1). It holds at most
    /// <paramref name="capacity"/> times <c>k</c> tokens: after an idle spell no more than that goes out at once.
    /// </summary>
    private static (TokenBucketRateLimiter Limiter, int PerPeriod)? Bucket(double rate, double periodSeconds, int capacity)
    {
        if (!(rate > 0)) return null;
        var k = (int)Math.Clamp(Math.Ceiling(rate * periodSeconds), 1, int.MaxValue / 4);
        return (new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = k * capacity,
            TokensPerPeriod = k,
            ReplenishmentPeriod = TimeSpan.FromSeconds(k / rate),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }), k);
    }
}

/// <summary>The session's bandwidth bucket: one token per byte; no read asks for more than <see cref="Size"/> at once.</summary>
/// <param name="Limiter">The bucket.</param>
/// <param name="Size">Its capacity: the largest acquisition it can grant.</param>
internal sealed record ByteBucket(RateLimiter Limiter, int Size) : IDisposable
{
    public void Dispose() => Limiter.Dispose();
}

/// <summary>
/// A body stream read at the session's bandwidth limit: every read is cut to the bucket's size and waits for as many tokens
/// as bytes it returned. The hashing streams under it see the same bytes, only later.
/// </summary>
internal sealed class ThrottledStream(Stream inner, ByteBucket bucket) : ReadOnlyWrapperStream(inner)
{
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer[..Math.Min(buffer.Length, bucket.Size)]);
        // Synchronous callers (none in the library: HttpClient copies bodies asynchronously) wait on their own thread.
        if (n > 0) Check(bucket.Limiter.AcquireAsync(n).AsTask().GetAwaiter().GetResult());
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer[..Math.Min(buffer.Length, bucket.Size)], cancellationToken).ConfigureAwait(false);
        if (n > 0) Check(await bucket.Limiter.AcquireAsync(n, cancellationToken).ConfigureAwait(false));
        return n;
    }

    private static void Check(RateLimitLease lease)
    {
        using (lease)
        {
            // Only a disposed bucket (the session stopping) refuses: the queue has no practical limit.
            if (!lease.IsAcquired) throw new ObjectDisposedException(nameof(ByteBucket), "the session's bandwidth limiter has stopped");
        }
    }

    }

/// <summary>A read-only view of a body stream that passes length, position and seeking through and disposes it;
/// subclasses decide what a read does.</summary>
internal abstract class ReadOnlyWrapperStream(Stream inner) : Stream
{
    /// <summary>The stream read from.</summary>
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;
    public override bool CanSeek => Inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => Inner.Length;
    public override long Position { get => Inner.Position; set => Inner.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }
}
