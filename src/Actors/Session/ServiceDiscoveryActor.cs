using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// The session's discovery child: resolves a service's catalog endpoint once per token generation, fetches its version
/// document once per endpoint url for the session's lifetime (through the session itself), chooses the version and
/// microversion, and sends the request on to the session with the versioned endpoint and the microversion headers; the
/// session then answers the caller. Failures of its own (no endpoint, an unservable microversion) it answers itself, so
/// every call still gets exactly one reply, also when this actor restarts or stops.
/// </summary>
internal sealed class ServiceDiscoveryActor : ReceiveActor
{
    private readonly IActorRef _session;
    private readonly SessionSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, Call> _inFlight = new();
    private readonly Dictionary<Uri, Task<Document>> _documents = new();
    private readonly Dictionary<ServiceFilter, Uri> _endpoints = new();
    private long _endpointsGeneration = long.MinValue;

    // Unique across restarts: a reply piped to an earlier incarnation must not match a call of this one.
    private static long _lastId;

    public ServiceDiscoveryActor(IActorRef session, SessionSettings settings)
    {
        _session = session;
        _settings = settings;
        Receive<ServiceCall>(OnCall);
        Receive<Accessed>(a =>
        {
            if (_inFlight.TryGetValue(a.Id, out var call)) OnAccess(call, a.Access);
        });
        Receive<Fetched>(OnFetched);
        Receive<FetchFailed>(f =>
        {
            // not kept: the next call looks for the document again
            if (_documents.TryGetValue(f.CatalogUrl, out var cached) && cached.IsFaulted) _documents.Remove(f.CatalogUrl);
            if (_inFlight.TryGetValue(f.Id, out var call))
                Fail(call, new OpenStackException($"The version document of {Redaction.Url(f.CatalogUrl)} could not be read: {f.Error.GetBaseException().Message}", f.Error));
        });
        Receive<CallFailed>(f =>
        {
            if (_inFlight.TryGetValue(f.Id, out var call)) Fail(call, f.Error);
        });
    }

    public static Props Props(IActorRef session, SessionSettings settings) =>
        Akka.Actor.Props.Create(() => new ServiceDiscoveryActor(session, settings));

    private TimeSpan AuthWait => (_settings.AuthTimeout + _settings.ReplyGrace) * 2;

    private void OnCall(ServiceCall message)
    {
        var (filter, api, correlation) = message.Message switch
        {
            OpenStackRequest r => (r.Service!, r.Api!, r.CorrelationId),
            DiscoverService d => (d.Service, d.Api, d.CorrelationId),
            _ => throw new ArgumentException($"Unexpected {message.Message.GetType().Name}"),
        };
        var call = new Call(Interlocked.Increment(ref _lastId), message.Message, filter, api, correlation, message.ReplyTo);
        _inFlight.Add(call.Id, call);
        if (message.Access is { } access)
        {
            OnAccess(call, access);
            return;
        }
        var id = call.Id;
        _session.Ask<object>(GetAccess.Instance, AuthWait).PipeTo(Self,
            success: reply => reply switch
            {
                AccessGranted granted => new Accessed(id, granted.Access),
                AccessDenied denied => new CallFailed(id, denied.Error),
                _ => new CallFailed(id, new OpenStackException($"Unexpected reply {reply.GetType().Name} to GetAccess")),
            },
            failure: e => new CallFailed(id, new RequestTimeoutException("No token arrived in time for service discovery", AuthWait, e)));
    }

    private void OnAccess(Call call, AccessInfo access)
    {
        Uri catalogUrl;
        try
        {
            catalogUrl = CatalogUrl(call.Filter, access);
        }
        catch (OpenStackException e)
        {
            Fail(call, e);
            return;
        }
        if (!call.Api.NeedsDiscovery)
        {
            Complete(call, VersionSelection.Select(ServiceTypes.Canonical(call.Filter.ServiceType), catalogUrl, null, call.Api), access);
            return;
        }
        if (!_documents.TryGetValue(catalogUrl, out var document))
        {
            document = VersionFetch.FetchAsync(_session, _settings, catalogUrl);
            _documents[catalogUrl] = document;
        }
        var id = call.Id;
        document.PipeTo(Self, success: d => new Fetched(id, catalogUrl, d, access), failure: e => new FetchFailed(id, catalogUrl, e));
    }

    /// <summary>The catalog's endpoint for the filter, resolved once per token generation: a new token may bring a new catalog.</summary>
    private Uri CatalogUrl(ServiceFilter filter, AccessInfo access)
    {
        if (filter.EndpointOverride is { } overridden) return overridden;
        if (access.Generation != _endpointsGeneration)
        {
            _endpoints.Clear();
            _endpointsGeneration = access.Generation;
        }
        if (!_endpoints.TryGetValue(filter, out var url))
        {
            url = access.Catalog.Resolve(filter);
            _endpoints[filter] = url;
        }
        return url;
    }

    private void OnFetched(Fetched fetched)
    {
        // a document that could not be fetched for a passing reason is looked for again by the next call
        if (!fetched.Document.Cacheable && _documents.TryGetValue(fetched.CatalogUrl, out var cached) && cached.IsCompleted
            && ReferenceEquals(cached.Result, fetched.Document))
            _documents.Remove(fetched.CatalogUrl);
        if (!_inFlight.TryGetValue(fetched.Id, out var call)) return;
        ServiceEndpoint endpoint;
        try
        {
            endpoint = VersionSelection.Select(ServiceTypes.Canonical(call.Filter.ServiceType), fetched.CatalogUrl, fetched.Document.Versions, call.Api);
        }
        catch (OpenStackException e)
        {
            Fail(call, e);
            return;
        }
        Complete(call, endpoint, fetched.Access);
    }

    private void Complete(Call call, ServiceEndpoint endpoint, AccessInfo access)
    {
        _inFlight.Remove(call.Id);
        if (endpoint.Url != endpoint.CatalogUrl && !access.IsOwnEndpoint(endpoint.Url))
        {
            // the token goes to the cloud's own endpoints only: a version link to another host is not followed
            _log.Warning("The version document of {0} links to {1}, which is not in the catalog; using the catalog url", endpoint.ServiceType, Redaction.Url(endpoint.Url));
            endpoint = endpoint with { Url = endpoint.CatalogUrl };
        }
        switch (call.Message)
        {
            case DiscoverService:
                call.ReplyTo.Tell(new ServiceDiscovered(endpoint) { CorrelationId = call.CorrelationId }, _session);
                break;
            case OpenStackRequest request:
                _session.Tell(request with
                {
                    Api = null,
                    Service = request.Service! with { EndpointOverride = endpoint.Url },
                    Headers = SessionRules.WithMicroversion(request.Headers, endpoint),
                }, call.ReplyTo);
                break;
        }
    }

    private void Fail(Call call, OpenStackException error)
    {
        _inFlight.Remove(call.Id);
        call.ReplyTo.Tell(new RequestFailed(error) { CorrelationId = call.CorrelationId }, _session);
    }

    private void FailAll(string why)
    {
        foreach (var call in _inFlight.Values.ToArray()) Fail(call, new SessionStoppedException($"{call.Message} was not completed: {why}"));
    }

    protected override void PreRestart(Exception reason, object message)
    {
        var answeredByFailAll = message is ServiceCall c && _inFlight.Values.Any(call => ReferenceEquals(call.Message, c.Message));
        FailAll($"service discovery restarted ({reason.GetType().Name})");
        if (message is ServiceCall failed && !answeredByFailAll)
            failed.ReplyTo.Tell(new RequestFailed(new SessionStoppedException($"{failed.Message} failed: service discovery restarted")), _session);
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        FailAll("the session stopped");
        base.PostStop();
    }

    private sealed record Call(long Id, object Message, ServiceFilter Filter, ApiVersionRequest Api, object? CorrelationId, IActorRef ReplyTo);

    private sealed record Accessed(long Id, AccessInfo Access);

    private sealed record CallFailed(long Id, OpenStackException Error);

    private sealed record Fetched(long Id, Uri CatalogUrl, Document Document, AccessInfo Access);

    private sealed record FetchFailed(long Id, Uri CatalogUrl, Exception Error);
}
