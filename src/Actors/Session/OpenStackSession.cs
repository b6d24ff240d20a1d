using System.Diagnostics;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// The Task-returning facade over a SessionActor: the six verbs of openstacksdk's first Session.
/// Every call is an ask (a light one, <see cref="ReplyPromise"/>) with a timeout longer than anything the session itself
/// waits, so the session's own typed answer (timeout, connection failure...) arrives first.
/// </summary>
public sealed class OpenStackSession
{
    /// <summary>Wraps a SessionActor.</summary>
    public OpenStackSession(IActorRef actor, SessionSettings settings)
    {
        Actor = actor;
        Settings = settings;
    }

    /// <summary>The SessionActor, for message-based callers.</summary>
    public IActorRef Actor { get; }

    /// <summary>The settings the session actor was created with; the facade takes its Ask timeouts from them.</summary>
    public SessionSettings Settings { get; }

    /// <summary>Sends a request and returns the response.</summary>
    /// <exception cref="OpenStackException">The typed failure the session replied with.</exception>
    public Task<OpenStackResponse> SendAsync(OpenStackRequest request, CancellationToken cancellationToken = default)
    {
        var options = request.Options ?? RequestOptions.Default;
        if (request.TraceParent is null && Activity.Current is { } current) request = request with { TraceParent = current.Context };
        var limit = Settings.MaxReplyTime(options.Timeout, options.MaxAttempts, options.WaitForEndpoint);
        if (request.Api is { NeedsDiscovery: true }) limit += DiscoveryTime;
        return ReplyPromise.SendAsync(Actor, request, limit, cancellationToken);
    }

    /// <summary>
    /// A client bound to one service, like keystoneauth's <c>Adapter</c>: <c>session.For(new ServiceFilter("placement"),
    /// new() { Api = ApiVersionRequest.ForMicroversion("1.30") })</c>. Its endpoint is resolved once per token and its
    /// version document fetched once per endpoint; relative urls go to the chosen version's endpoint.
    /// </summary>
    public ServiceClient For(ServiceFilter service, ServiceClientOptions? options = null) => new(this, service, options ?? ServiceClientOptions.Default);

    /// <summary>Longest a discovery takes: a token, then the catalog url and the unversioned root one after the other.</summary>
    private TimeSpan DiscoveryTime => Settings.MaxReplyTime() * 2 + (Settings.AuthTimeout + Settings.ReplyGrace) * 2;

    internal async Task<ServiceEndpoint> DiscoverAsync(DiscoverService discover, CancellationToken cancellationToken)
    {
        var reply = await Actor.Ask<object>(discover, DiscoveryTime + Settings.ReplyGrace, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            ServiceDiscovered discovered => discovered.Endpoint,
            RequestFailed failed => throw failed.Error,
            _ => throw new OpenStackException($"Unexpected reply {reply.GetType().Name} to {discover}"),
        };
    }

    /// <summary>The current token and catalog (fetched if needed).</summary>
    public async Task<AccessInfo> GetAccessAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Actor.Ask<object>(GetAccess.Instance, (Settings.AuthTimeout + Settings.ReplyGrace) * 2, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            AccessGranted granted => granted.Access,
            AccessDenied denied => throw denied.Error,
            _ => throw new OpenStackException($"Unexpected reply {reply.GetType().Name} to GetAccess"),
        };
    }

    /// <summary>The session's counters.</summary>
    public Task<SessionStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Actor.Ask<SessionStats>(GetSessionStats.Instance, Settings.ReplyGrace, cancellationToken);

    /// <summary>Sends a HEAD: <paramref name="url"/> is absolute, or relative to the endpoint that <paramref name="service"/> picks from the catalog.</summary>
    public Task<OpenStackResponse> HeadAsync(string url, ServiceFilter? service = null, bool authenticate = true, RequestOptions? options = null,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Head, url, null, service, authenticate, options, headers), cancellationToken);

    /// <summary>Sends a GET; the url and service as for <see cref="HeadAsync"/>. A 4xx/5xx throws <see cref="HttpErrorException"/> unless the options say otherwise.</summary>
    public Task<OpenStackResponse> GetAsync(string url, ServiceFilter? service = null, bool authenticate = true, RequestOptions? options = null,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Get, url, null, service, authenticate, options, headers), cancellationToken);

    /// <summary>Sends a DELETE (idempotent, so retried on transient failures); the url and service as for <see cref="HeadAsync"/>.</summary>
    public Task<OpenStackResponse> DeleteAsync(string url, ServiceFilter? service = null, bool authenticate = true, RequestOptions? options = null,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Delete, url, null, service, authenticate, options, headers), cancellationToken);

    /// <summary>Sends a POST, which is not retried after its body was sent unless <see cref="RequestOptions.RetryNonIdempotent"/> says so.</summary>
    public Task<OpenStackResponse> PostAsync(string url, RequestBody? body, ServiceFilter? service = null, bool authenticate = true,
        RequestOptions? options = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Post, url, body, service, authenticate, options, headers), cancellationToken);

    /// <summary>Sends a PUT (idempotent: retried on transient failures when the body can be sent again).</summary>
    public Task<OpenStackResponse> PutAsync(string url, RequestBody? body, ServiceFilter? service = null, bool authenticate = true,
        RequestOptions? options = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Put, url, body, service, authenticate, options, headers), cancellationToken);

    /// <summary>Sends a PATCH, which, like POST, is not retried after its body was sent.</summary>
    public Task<OpenStackResponse> PatchAsync(string url, RequestBody? body, ServiceFilter? service = null, bool authenticate = true,
        RequestOptions? options = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(Build(HttpMethod.Patch, url, body, service, authenticate, options, headers), cancellationToken);

    private static OpenStackRequest Build(HttpMethod method, string url, RequestBody? body, ServiceFilter? service, bool authenticate,
        RequestOptions? options, IReadOnlyDictionary<string, string>? headers) =>
        new(method, url) { Body = body, Service = service, Authenticate = authenticate, Options = options, Headers = headers };
}
