using System.Text;
using System.Text.Json;
using Akka.Actor;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Session;
using OpenStack.Actors.Http;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.TestKit;

/// <summary>One attempt that reached the fake session's transport: the session's retries and the retry after a
/// reauthentication are attempts of their own, so a request retried once is recorded twice. Requests the session
/// answers without sending (invalid, no endpoint in the catalog, an open circuit) are not recorded.</summary>
/// <param name="Sequence">1 for the first attempt the fake cloud received, then 2, 3...</param>
/// <param name="Request">The request its sender sent to the session.</param>
/// <param name="ResolvedUrl">The absolute url the session sent the attempt to (resolved through the token's catalog).</param>
/// <param name="Sender">Who sent the request to the session.</param>
/// <param name="ReceivedAt">The scheduler's time when the attempt arrived (virtual under the TestScheduler).</param>
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

    /// <summary>The request headers (case-insensitive), as the session passed them to its transport; the token is in <see cref="Token"/>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>The token the session attached (sent as <c>X-Auth-Token</c>), or null when it sent none.</summary>
    public string? Token { get; init; }

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

    /// <summary>A readable form without headers, token or body: <c>#3 GET /?format=json → http://...</c> (the url redacted).</summary>
    public override string ToString() => $"#{Sequence} {Request}{(ResolvedUrl is null ? "" : $" -> {Redaction.Url(ResolvedUrl)}")}";

    internal static RecordedRequest Capture(int sequence, OpenStackRequest request, TransportRequest attempt, IActorRef sender, DateTimeOffset at)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (attempt.Headers is not null)
            foreach (var (name, value) in attempt.Headers) headers[name] = value;
        return new RecordedRequest(sequence, request, attempt.Url, sender, at)
        {
            Headers = headers, Token = attempt.Token?.Value, Body = ReadBody(attempt.Body),
        };
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
