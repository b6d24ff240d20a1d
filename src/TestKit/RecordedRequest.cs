using System.Text;
using System.Text.Json;
using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>An <see cref="OpenStackRequest"/> the fake session received, with its body captured.</summary>
/// <param name="Sequence">1 for the first request the fake received, then 2, 3...</param>
/// <param name="Request">The request as sent.</param>
/// <param name="ResolvedUrl">The absolute url the real session would send it to; null when it does not resolve
/// (no matching endpoint, or an invalid url).</param>
/// <param name="Sender">Who sent it.</param>
/// <param name="ReceivedAt">The scheduler's time on arrival (virtual under the TestScheduler).</param>
public sealed record RecordedRequest(int Sequence, OpenStackRequest Request, Uri? ResolvedUrl, IActorRef Sender, DateTimeOffset ReceivedAt)
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The method.</summary>
    public HttpMethod Method => Request.Method;

    /// <summary>The url as sent (relative or absolute).</summary>
    public string Url => Request.Url;

    /// <summary>The service filter, if any.</summary>
    public ServiceFilter? Service => Request.Service;

    /// <summary>The request headers (case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>The body bytes, read once on arrival (empty without a body).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body's content type, if any.</summary>
    public string? ContentType => Request.Body?.ContentType;

    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body deserialised with System.Text.Json (web defaults unless given).</summary>
    public T? BodyJson<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Body.Span, options ?? Web);

    /// <summary>The url forms patterns are tried against: as sent, with one leading slash, and resolved.</summary>
    internal IEnumerable<string?> UrlForms()
    {
        yield return Url;
        if (!Url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !Url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            yield return "/" + Url.TrimStart('/');
        yield return ResolvedUrl?.AbsoluteUri;
    }

    /// <summary>A readable form without headers or body: <c>#3 GET /?format=json → http://...</c>.</summary>
    public override string ToString() => $"#{Sequence} {Request}{(ResolvedUrl is null ? "" : $" -> {ResolvedUrl}")}";

    internal static RecordedRequest Capture(int sequence, OpenStackRequest request, Uri? resolved, IActorRef sender, DateTimeOffset at)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.Headers is not null)
            foreach (var (name, value) in request.Headers) headers[name] = value;
        return new RecordedRequest(sequence, request, resolved, sender, at) { Headers = headers, Body = ReadBody(request.Body) };
    }

    /// <summary>Bytes as they are; a stream body is opened once and copied (the fake is the server: it consumes the body).</summary>
    private static ReadOnlyMemory<byte> ReadBody(RequestBody? body)
    {
        switch (body)
        {
            case null:
                return ReadOnlyMemory<byte>.Empty;
            case BytesBody bytes:
                return bytes.Bytes;
            case StreamBody stream:
                try
                {
                    using var s = stream.Open();
                    using var copy = new MemoryStream();
                    s.CopyTo(copy);
                    return copy.ToArray();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
                {
                    return ReadOnlyMemory<byte>.Empty;   // the caller's stream is broken: record the request without its body
                }
            default:
                return ReadOnlyMemory<byte>.Empty;
        }
    }
}

/// <summary>Sent to the TestKit's TestActor when <see cref="FakeSessionOptions.ReportUnexpectedToTestActor"/> is on,
/// so that <c>ExpectNoMsg</c> and <c>ExpectMsg</c> of the test fail on a request nobody scripted.</summary>
/// <param name="Request">The request.</param>
/// <param name="Reason">Why it is unexpected, with the scripted rules.</param>
public sealed record UnexpectedRequest(RecordedRequest Request, string Reason)
{
    /// <summary>The reason.</summary>
    public override string ToString() => Reason;
}
