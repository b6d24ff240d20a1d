using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Discovery;

using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// A request to the session: like openstacksdk's <c>session.request(url, method, service=..., authenticate=...)</c>.
/// Send it to the SessionActor; the reply is exactly one <see cref="OpenStackResponse"/> or <see cref="RequestFailed"/>.
/// </summary>
/// <param name="Method">HEAD, GET, POST, PUT, DELETE or PATCH (any method is passed through).</param>
/// <param name="Url">Relative to the endpoint the <see cref="Service"/> filter selects, or absolute.</param>
public sealed record OpenStackRequest(HttpMethod Method, string Url)
{
    /// <summary>Chooses the endpoint a relative url resolves against. Null: the url must be absolute.</summary>
    public ServiceFilter? Service { get; init; }

    /// <summary>False sends no token (and needs no Keystone round trip when the url is absolute).</summary>
    public bool Authenticate { get; init; } = true;

    /// <summary>
    /// The API version wanted (major version, microversion, or just discovery). When set (a <see cref="ServiceClient"/>
    /// always sets it), the session resolves <see cref="Service"/> once per token, fetches the service's version document
    /// when needed (once per endpoint), joins a relative url to the chosen version's endpoint and sends the negotiated
    /// microversion headers; a microversion the service cannot serve fails with a <see cref="Discovery.MicroversionNotSupportedException"/>.
    /// Needs <see cref="Service"/>.
    /// </summary>
    public ApiVersionRequest? Api { get; init; }

    /// <summary>Request headers; <c>Content-*</c> headers are applied to the body.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The body, if any.</summary>
    public RequestBody? Body { get; init; }

    /// <summary>Per-request options; null takes the session's defaults.</summary>
    public RequestOptions? Options { get; init; }

    /// <summary>Echoed in the reply, for callers that match replies to requests themselves.</summary>
    public object? CorrelationId { get; init; }

    /// <summary>The caller's trace context: the parent of the HTTP activities (the facade sets it from <see cref="Activity.Current"/>).</summary>
    public ActivityContext? TraceParent { get; init; }

    /// <summary>A readable form without headers or body (which may hold secrets).</summary>
    public override string ToString() => $"{Method} {Url}{(Service is null ? "" : $" {Service}")}{(Authenticate ? "" : " (no token)")}";
}

/// <summary>Per-request options; every null falls back to the session's HOCON settings.</summary>
public sealed record RequestOptions
{
    /// <summary>Timeout of one attempt (connect, send, response headers and a buffered body).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When true (the default, as in keystoneauth) a 4xx/5xx reply becomes an <see cref="HttpErrorException"/>.</summary>
    public bool? RaiseOnError { get; init; }

    /// <summary>Statuses retried (for idempotent methods) in addition to the session's configured ones.</summary>
    public IReadOnlyCollection<int>? ExtraRetriableStatuses { get; init; }

    /// <summary>Maximum attempts for retriable failures; null takes the session's setting. 1 disables retries.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Marks a POST (or PATCH) as safe to retry.</summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>Allows the token to go to an absolute url whose host is not in the catalog.</summary>
    public bool AllowTokenToForeignHost { get; init; }

    /// <summary>When true the response body is not buffered: read <see cref="OpenStackResponse.BodyStream"/> and dispose the response.</summary>
    public bool StreamResponse { get; init; }

    /// <summary>
    /// When true, a request to an endpoint whose circuit breaker is open waits (up to its attempt <see cref="Timeout"/>)
    /// for the breaker to let requests through again instead of failing at once with <see cref="CircuitOpenException"/>;
    /// the first request waiting is sent as the breaker's probe. Off by default: an interactive caller wants to know at
    /// once that the endpoint is down, and a caller that can pause (a batch, a stream) opts in.
    /// </summary>
    public bool WaitForEndpoint { get; init; }

    /// <summary>
    /// The global request id sent as <c>X-OpenStack-Request-ID</c> (<c>req-</c> and a lower-case uuid; anything else is
    /// refused with an <see cref="InvalidRequestException"/>). Services log it next to their own request id. Null takes
    /// it from the request's trace (<see cref="OpenStackRequest.TraceParent"/>, which the facade takes from
    /// <see cref="Activity.Current"/>): <c>req-</c> and the trace id as a uuid, the same for every request of one trace;
    /// without a trace none is sent.
    /// </summary>
    public string? GlobalRequestId { get; init; }

    /// <summary>The defaults.</summary>
    public static readonly RequestOptions Default = new();
}

/// <summary>A reply: the request failed; <see cref="Error"/> says why, with a typed exception.</summary>
public sealed record RequestFailed(OpenStackException Error)
{
    /// <summary>Echo of <see cref="OpenStackRequest.CorrelationId"/>.</summary>
    public object? CorrelationId { get; init; }
}

/// <summary>Asks the SessionActor for its counters; the reply is <see cref="SessionStats"/>.</summary>
public sealed record GetSessionStats
{
    /// <summary>The message.</summary>
    public static readonly GetSessionStats Instance = new();
}

/// <summary>The session's counters.</summary>
/// <param name="Pending">Requests not yet answered.</param>
/// <param name="Reauthentications">Tokens replaced because a server rejected them (401).</param>
/// <param name="TokenGeneration">The generation of the token in use, if any.</param>
public sealed record SessionStats(int Pending, long Reauthentications, long? TokenGeneration);
