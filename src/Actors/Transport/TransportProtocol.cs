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

    /// <summary>Whom the transport answers itself when the exchange succeeds (2xx), or null: the requester (the session)
    /// then only records the outcome (<see cref="TransportResult.Answered"/>).</summary>
    internal IDirectAnswer? DirectAnswer { get; init; }

    /// <summary>Without headers, body or token.</summary>
    public override string ToString() => $"TransportRequest #{Id} {Method} {Redaction.Url(Url)}{(Token is null ? "" : " (with token)")}";
}

/// <summary>The outcome of a <see cref="TransportRequest"/>: a response (any status) or a typed failure.</summary>
public sealed record TransportResult(long Id, OpenStackResponse? Response, OpenStackException? Error)
{
    /// <summary>True when the transport gave <see cref="Response"/> to the request's <see cref="TransportRequest.DirectAnswer"/>
    /// itself: it is the caller's now (not to be answered again or disposed).</summary>
    internal bool Answered { get; init; }
}

/// <summary>
/// A caller that the transport may answer itself when an exchange succeeds: the session has nothing to decide about a
/// 2xx (no retry, no reauthentication), so the answer need not wait for the session's mailbox, and the session records
/// the outcome after. Whoever answers first claims the answer: the transport on success, or the session (a failure, a
/// timeout, a restart), so a request is answered exactly once.
/// </summary>
internal interface IDirectAnswer
{
    /// <summary>Takes the one answer; false when it was taken already.</summary>
    bool TryClaim();

    /// <summary>Gives the response to the caller, after <see cref="TryClaim"/> succeeded.</summary>
    void Answer(OpenStackResponse response);
}
