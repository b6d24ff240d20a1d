using System.Diagnostics;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
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
        return ReplyPromise.SendAsync(Actor, request, Settings.MaxReplyTime(options.Timeout, options.MaxAttempts, options.WaitForEndpoint), cancellationToken);
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
