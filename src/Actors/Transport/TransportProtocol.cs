using System.Diagnostics;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Transport;

/// <summary>One HTTP attempt for a TransportActor; the reply is a <see cref="TransportResult"/> with the same id.</summary>
public sealed record TransportRequest(
    long Id, HttpMethod Method, Uri Url, IReadOnlyDictionary<string, string>? Headers, RequestBody? Body,
    AuthToken? Token, bool StreamResponse, TimeSpan Timeout, int MaxRedirects)
{
    /// <summary>The caller's trace context, parent of the attempt's activity.</summary>
    public ActivityContext TraceParent { get; init; }

    /// <summary>Without headers, body or token.</summary>
    public override string ToString() => $"TransportRequest #{Id} {Method} {Redaction.Url(Url)}{(Token is null ? "" : " (with token)")}";
}

/// <summary>The outcome of a <see cref="TransportRequest"/>: a response (any status) or a typed failure.</summary>
public sealed record TransportResult(long Id, OpenStackResponse? Response, OpenStackException? Error);
