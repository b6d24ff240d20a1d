using System.Diagnostics;
using System.Collections.Frozen;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OpenStack.Actors.Http;

/// <summary>A request body. Bodies are streamed to the server, never copied whole.</summary>
public abstract record RequestBody
{
    private protected RequestBody() { }

    /// <summary>The body's content type, if it has one.</summary>
    public string? ContentType { get; init; }

    /// <summary>The length in bytes when known (sent as Content-Length).</summary>
    public abstract long? Length { get; }

    /// <summary>True when the body can be sent again (for a retry after a 401 or a transient failure).</summary>
    public abstract bool Rewindable { get; }

    /// <summary>A body of bytes, which can be sent again (on a retry or after a 401).</summary>
    public static RequestBody FromBytes(ReadOnlyMemory<byte> bytes, string? contentType = null) => new BytesBody(bytes) { ContentType = contentType };

    /// <summary>A UTF-8 text body, which can be sent again.</summary>
    public static RequestBody FromText(string text, string contentType = "text/plain; charset=utf-8") => FromBytes(Encoding.UTF8.GetBytes(text), contentType);

    /// <summary>A JSON body serialised with System.Text.Json.</summary>
    public static RequestBody Json<T>(T value, JsonSerializerOptions? options = null) =>
        FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, options), "application/json");

    /// <summary>A body opened anew for each attempt (a file, say): always rewindable.</summary>
    public static RequestBody FromStreamFactory(Func<Stream> open, long? length, string? contentType = null) =>
        new StreamBody(open, length, true) { ContentType = contentType };

    /// <summary>A body from an open stream: rewindable only if the stream can seek. The session does not dispose it.</summary>
    public static RequestBody FromStream(Stream stream, long? length = null, string? contentType = null)
    {
        var start = stream.CanSeek ? stream.Position : 0;
        length ??= stream.CanSeek ? stream.Length - start : null;
        return new StreamBody(() =>
        {
            if (stream.CanSeek) stream.Position = start;
            return new NonClosingStream(stream);
        }, length, stream.CanSeek) { ContentType = contentType };
    }
}

/// <summary>A body held in memory.</summary>
public sealed record BytesBody(ReadOnlyMemory<byte> Bytes) : RequestBody
{
    /// <inheritdoc />
    public override long? Length => Bytes.Length;

    /// <inheritdoc />
    public override bool Rewindable => true;
}

/// <summary>A body read from a stream that <see cref="Open"/> returns for each attempt.</summary>
public sealed record StreamBody(Func<Stream> Open, long? KnownLength, bool CanReopen) : RequestBody
{
    /// <inheritdoc />
    public override long? Length => KnownLength;

    /// <inheritdoc />
    public override bool Rewindable => CanReopen;
}

/// <summary>A reply: the server's response (any status when <c>RequestOptions.RaiseOnError</c> is false).</summary>
public sealed record OpenStackResponse : IDisposable
{
    internal static readonly IReadOnlyDictionary<string, string> NoHeaders = FrozenDictionary<string, string>.Empty;

    /// <summary>The request's method.</summary>
    public required HttpMethod Method { get; init; }

    /// <summary>The final url (after redirects).</summary>
    public required Uri Url { get; init; }

    /// <summary>The status code of the last response (after redirects).</summary>
    public required HttpStatusCode Status { get; init; }

    /// <summary>Response and content headers, case-insensitive; repeated headers joined with ", ".</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>The buffered body (empty when streamed).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body stream when <c>RequestOptions.StreamResponse</c> was set; dispose the response after reading.</summary>
    public Stream? BodyStream { get; init; }

    /// <summary>Time from sending to the response (and its buffered body).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Echo of the request's <c>CorrelationId</c>.</summary>
    public object? CorrelationId { get; init; }

    /// <summary>The <c>x-openstack-request-id</c> header (Swift: <c>x-trans-id</c>).</summary>
    public string? RequestId => RequestIdIn(Headers);

    internal static string? RequestIdIn(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("x-openstack-request-id", out var id) ? id
        : headers.TryGetValue("x-compute-request-id", out id) ? id
        : headers.TryGetValue("x-trans-id", out id) ? id : null;

    /// <summary>The microversion the service served the request with (its <c>OpenStack-API-Version</c> header, or the
    /// legacy Nova/Ironic/Manila one), or null when it names none.</summary>
    public Microversion? ApiVersion => ApiHeaders.ServedMicroversion(Headers);

    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => IsSuccessStatus((int)Status);

    /// <summary>True for a 2xx status code.</summary>
    internal static bool IsSuccessStatus(int status) => status is >= 200 and < 300;

    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body deserialised with System.Text.Json.</summary>
    public T? Json<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Body.Span, options ?? JsonDefaults.Web);

    /// <summary>The body as a JSON document (dispose it).</summary>
    public JsonDocument JsonDocument() => System.Text.Json.JsonDocument.Parse(Body);

    /// <summary>The body as UTF-8 text.</summary>
    public string Text() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>Disposes the body stream, if streamed.</summary>
    public void Dispose() => BodyStream?.Dispose();

    /// <summary>A readable form without headers or body.</summary>
    public override string ToString() => $"{(int)Status} {Status} for {Method} {Redaction.Url(Url)} ({Body.Length} bytes, {Elapsed.TotalMilliseconds:F0} ms)";
}

internal static class JsonDefaults
{
    internal static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}

/// <summary>Lets the transport dispose what it was given without closing the caller's stream.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
