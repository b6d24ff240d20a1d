using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenStack.Actors.TestKit;

/// <summary>The failures a <see cref="CloudFaults"/> layer injects, shaped as SocketsHttpHandler and Swift shape them, so
/// that the session classifies them as it classifies the real ones.</summary>
internal static class FaultResponses
{
    /// <summary>SocketsHttpHandler's failure to connect to a port nobody listens on.</summary>
    internal static HttpRequestException Refused(Uri url) =>
        new(HttpRequestError.ConnectionError, $"Connection refused ({url.Authority})", new SocketException((int)SocketError.ConnectionRefused));

    /// <summary>SocketsHttpHandler's failure when the peer resets the connection before the response headers.</summary>
    internal static HttpRequestException ResetBeforeResponse() =>
        new(HttpRequestError.ConnectionError, "An error occurred while sending the request.", Reset());

    /// <summary>What reading a response body throws when the peer resets the connection.</summary>
    internal static IOException Reset() =>
        new("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset));

    /// <summary>A service's answer to a busy or sick moment, with an OpenStack error body.</summary>
    internal static HttpResponseMessage Status(int status, HttpRequestMessage request, TimeSpan? retryAfter = null)
    {
        var reason = new HttpResponseMessage((HttpStatusCode)status).ReasonPhrase ?? "Error";
        var response = new HttpResponseMessage((HttpStatusCode)status)
        {
            RequestMessage = request,
            Content = new StringContent(KeystoneFixtures.ErrorJson(status, reason, $"Injected by CloudFaults: {reason}"), Encoding.UTF8, "application/json"),
        };
        if (retryAfter is { } after) response.Headers.TryAddWithoutValidation("Retry-After", Math.Ceiling(after.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        return response;
    }

    /// <summary>Swift's answer (keystonemiddleware's) to a revoked token.</summary>
    internal static HttpResponseMessage Unauthorized(HttpRequestMessage request)
    {
        var response = KeystoneStandIn.SwiftUnauthorized();
        response.RequestMessage = request;
        return response;
    }

    /// <summary><paramref name="response"/> with a body that breaks after <paramref name="afterBytes"/> bytes (half the body when null).</summary>
    internal static HttpResponseMessage BreakBody(HttpResponseMessage response, long? afterBytes)
    {
        var inner = response.Content;
        var broken = new ResetContent(inner, afterBytes ?? (inner.Headers.ContentLength ?? 0) / 2);
        foreach (var header in inner.Headers) broken.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = broken;
        return response;
    }

    /// <summary>Content that delivers its first bytes and then fails as a reset connection does.</summary>
    private sealed class ResetContent(HttpContent inner, long afterBytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new ResetStream(await inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), afterBytes);

        protected override bool TryComputeLength(out long length)
        {
            length = inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads through to the service's body up to the break, then throws.</summary>
    private sealed class ResetStream(Stream inner, long afterBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            var allowed = Allowed(buffer.Length);
            return Count(inner.Read(buffer[..allowed]));
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty) return 0;
            var allowed = Allowed(buffer.Length);
            return Count(await inner.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <summary>How much of a read of <paramref name="wanted"/> bytes may go through; throws at the break.</summary>
        private int Allowed(int wanted)
        {
            if (_read >= afterBytes) throw Reset();
            return (int)Math.Min(wanted, afterBytes - _read);
        }

        /// <summary>The body never ends cleanly: a short one breaks at its end.</summary>
        private int Count(int n)
        {
            if (n == 0) throw Reset();
            _read += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
