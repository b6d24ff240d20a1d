using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Util;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Telemetry;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>
/// The session: supervises an <see cref="AuthenticatorActor"/> and a pool of <see cref="TransportActor"/>s,
/// resolves endpoints from the catalog, attaches the token only to the cloud's own endpoints, reauthenticates once
/// on 401 (through the authenticator's supervisor), retries idempotent requests on transient failures, and answers
/// every <see cref="OpenStackRequest"/> exactly once with an <see cref="OpenStackResponse"/> or <see cref="RequestFailed"/>,
/// also on timeouts, restarts and shutdown.
/// </summary>
public sealed partial class SessionActor : ReceiveActor, IWithTimers
{
    private const string SweepTimer = "sweep";
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly IAuthenticator _authenticator;
    private readonly SessionSettings _settings;
    private readonly HttpMessageHandler? _handler;
    private readonly IActorRef? _transportOverride;
    private readonly Func<double> _jitter;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<long, PendingRequest> _pending = new();
    private readonly Dictionary<string, EndpointGuard> _guards = new();
    private readonly List<PendingRequest> _awaitingAccess = new();
    private HttpClient _http = null!;
    private HttpMessageInvoker _invoker = null!;
    private IActorRef _auth = ActorRefs.Nobody;
    private IActorRef _transport = ActorRefs.Nobody;
    private AccessInfo? _access;
    private bool _accessRequested;
    /// <summary>Process-wide, so that a late reply to an attempt of an earlier incarnation (the session restarted, its
    /// transports' exchanges still answer) cannot be taken for the reply to a new request.</summary>
    private static long s_nextId;
    private long _reauthentications;
    private readonly bool _retriesSuccess;
    private DateTimeOffset? _authOutageAt;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public SessionActor(IAuthenticator authenticator, SessionSettings settings, HttpMessageHandler? handler = null, IActorRef? transport = null,
        Func<double>? jitter = null)
    {
        _authenticator = authenticator;
        _settings = settings;
        _handler = handler;
        _transportOverride = transport;
        _jitter = jitter ?? (static () => ThreadLocalRandom.Current.NextDouble());
        _retriesSuccess = settings.RetriableStatuses.Any(OpenStackResponse.IsSuccessStatus);

        Receive<OpenStackRequest>(OnRequest);
        Receive<TransportResult>(OnTransportResult);
        Receive<AccessGranted>(granted =>
        {
            _accessRequested = false;
            _access = granted.Access;
            DispatchAwaiting();
        });
        Receive<AccessRenewed>(renewed => _access = renewed.Access);
        Receive<AccessDenied>(OnAccessDenied);
        Receive<RetryDue>(due =>
        {
            if (_pending.TryGetValue(due.Id, out var p)) Dispatch(p);
        });
        Receive<Sweep>(_ => SweepLostReplies());
        Receive<GetAccess>(ask => _auth.Forward(ask));
        Receive<BreakerChanged>(OnBreakerChanged);
        Receive<TurnCame>(OnTurnCame);
        Receive<DiscoverService>(ToDiscovery);
        Receive<GetSessionStats>(_ => Sender.Tell(new SessionStats(_pending.Count, _reauthentications, _access?.Generation)));
    }

    /// <summary>Props for a session; it creates its authenticator and transport pool as children when it starts.</summary>
    /// <param name="authenticator">How tokens are obtained.</param>
    /// <param name="settings">Settings, e.g. <see cref="SessionSettings.Create(ActorSystem)"/>.</param>
    /// <param name="handler">An HTTP handler to use instead of a new <see cref="SocketsHttpHandler"/> (tests, proxies).</param>
    /// <param name="transport">An actor to use instead of the TransportActor pool (tests script it with a probe).</param>
    /// <param name="jitter">The retry backoff's random factor, a value in [0, 1] taken per retry: the wait is that fraction of the
    /// exponential cap (never shorter than Retry-After). Null: uniformly random (full jitter). Tests pass a constant for exact timings.</param>
    public static Props Props(IAuthenticator authenticator, SessionSettings settings, HttpMessageHandler? handler = null, IActorRef? transport = null,
        Func<double>? jitter = null) =>
        Akka.Actor.Props.Create(() => new SessionActor(authenticator, settings, handler, transport, jitter));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // Akka's own failure logging is off: a rejected token is the designed path to a new one, not an error;
        // real failures are logged here.
        new OneForOneStrategy(-1, Timeout.Infinite, ex =>
        {
            if (ex is StaleTokenException)
            {
                _reauthentications++;
                OpenStackTelemetry.Reauthentications.Add(1);
            }
            else _log.Error(ex, "A session child failed; restarting it");
            return Directive.Restart;
        }, loggingEnabled: false);

    /// <inheritdoc />
    protected override void PreStart()
    {
        // One handler (one connection pool): the authenticators get an HttpClient, the transports a plain invoker, which
        // saves HttpClient's per-request cancellation source; every exchange has its own timeout.
        var handler = HttpRequestLog.Wrap(_handler ?? HttpHandlerFactory.Create(_settings.Transport, _log), Context.System);
        _http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: _handler is null);
        StartLimits();
        _auth = Context.ActorOf(AuthenticatorActor.Props(_authenticator, _http, _settings.Token), "authenticator");
        _transport = _transportOverride ?? Context.ActorOf(TransportActor.PoolProps(_invoker, _settings.Transport, _bandwidth), "transport");
        StartDiscovery();
        Timers.StartPeriodicTimer(SweepTimer, Sweep.Instance, SweepInterval);
    }

    private void OnRequest(OpenStackRequest request)
    {
        var options = request.Options ?? RequestOptions.Default;
        var p = new PendingRequest(Interlocked.Increment(ref s_nextId), request, options, Sender, Self);
        var invalid = SessionRules.Validate(request);
        if (invalid is not null)
        {
            Reply(p, new RequestFailed(invalid) { CorrelationId = request.CorrelationId });
            return;
        }
        if (request.Api is not null)
        {
            ToDiscovery(request);
            return;
        }
        _pending.Add(p.Id, p);
        Dispatch(p);
    }

    private static bool NeedsAccess(PendingRequest p) => SessionRules.NeedsAccess(p.Request, p.AbsoluteUrl);

    private void Dispatch(PendingRequest p)
    {
        if (!NeedsAccess(p))
        {
            Send(p, null);
            return;
        }
        if (ValidAccess is { } access)
        {
            Send(p, access);
            return;
        }
        p.Deadline = Now + _settings.AuthTimeout + _settings.ReplyGrace;
        _awaitingAccess.Add(p);
        if (!_accessRequested)
        {
            _accessRequested = true;
            _auth.Tell(GetAccess.Instance);
        }
    }

    private void DispatchAwaiting()
    {
        var waiting = _awaitingAccess.ToArray();
        _awaitingAccess.Clear();
        foreach (var p in waiting)
            if (_pending.ContainsKey(p.Id)) Send(p, _access);
    }

    private void Send(PendingRequest p, AccessInfo? access)
    {
        Uri url, origin;
        try
        {
            url = SessionRules.ResolveUrl(p.Request, p.AbsoluteUrl, access?.Catalog, out origin);
        }
        catch (OpenStackException e)
        {
            Fail(p, e);
            return;
        }

        AuthToken? token = null;
        p.TokenGeneration = null;
        if (p.Request.Authenticate && access is not null)
        {
            if (SessionRules.MaySendToken(p.AbsoluteUrl, url, access, p.Options, _settings))
            {
                token = access.Token;
                p.TokenGeneration = access.Generation;
            }
            else
            {
                _log.Warning("Not sending the token to {0}: its host is not in the catalog (RequestOptions.AllowTokenToForeignHost allows it)", Redaction.Url(url));
            }
        }
        if (p.BodySent && p.Request.Body is { Rewindable: false })
        {
            Fail(p, new InvalidRequestException($"{p.Request.Method} {Redaction.Url(url)} must be sent again, but its body stream cannot be rewound"));
            return;
        }
        var guard = GuardFor(origin);
        if (!guard.HasCapacity)
        {
            // The adaptive limit is reached: wait for a slot (the pool's backpressure reaches the caller as slower replies).
            guard.Waiting.Enqueue(p.Id);
            p.Deadline = Now + _settings.MaxReplyTime(p.Options.Timeout, p.Options.MaxAttempts);
            return;
        }
        if (guard.Breaker.IsOpen || (guard.Breaker.IsHalfOpen && guard.ProbeInFlight))
        {
            if (!p.Options.WaitForEndpoint)
            {
                Fail(p, guard.OpenError());
                return;
            }
            // Held until the breaker lets a probe through or closes, within the request's own timeout.
            p.HeldSince ??= Now;
            p.Deadline = p.HeldSince + (p.Options.Timeout ?? _settings.RequestTimeout);
            p.HeldBy = guard;
            guard.Held.Enqueue(p.Id);
            return;
        }
        p.HeldBy = null;
        if (guard.Breaker.IsHalfOpen)
        {
            guard.ProbeInFlight = true;
            p.IsProbe = true;
        }
        guard.InFlight++;
        p.Slot = guard;
        p.Attempt++;
        p.BodySent = p.Request.Body is not null;
        SendWhenAllowed(p, new TransportRequest(p.Id, p.Request.Method, url, SessionRules.OutgoingHeaders(p.Request, p.Options), p.Request.Body, token,
            p.Options.StreamResponse, p.Options.Timeout ?? _settings.RequestTimeout, _settings.MaxRedirects)
        {
            TraceParent = p.Request.TraceParent ?? default,
            // A 2xx is answered as it is unless a 2xx status is to be retried.
            DirectAnswer = _retriesSuccess || p.Options.ExtraRetriableStatuses?.Any(OpenStackResponse.IsSuccessStatus) == true ? null : p,
        });
    }

    private void OnTransportResult(TransportResult result)
    {
        if (!_pending.TryGetValue(result.Id, out var p))
        {
            // Answered already (lost-reply timeout): nobody reads this body. Unless the transport gave it to the caller.
            if (!result.Answered) result.Response?.Dispose();
            return;
        }
        RecordOutcome(p, result);
        ReleaseSlot(p);
        if (result.Answered)
        {
            _pending.Remove(p.Id);
            CountReply(null);
            return;
        }
        if (result.Error is { } error)
        {
            // A timed-out attempt is retried like a broken connection: only idempotent requests (or those marked safe) are.
            if (error is ConnectionFailedException or RequestTimeoutException && MayRetry(p)) ScheduleRetry(p, null);
            else Fail(p, error);
            return;
        }

        var response = result.Response!;
        if (response.Status == HttpStatusCode.Unauthorized && p.TokenGeneration is { } generation && !p.Reauthenticated
            && p.Request.Body is null or { Rewindable: true })
        {
            // One transparent reauthentication. Only the first 401 for a generation reaches the authenticator:
            // the others find the cached token already dropped (or replaced) and wait for / use its successor.
            response.Dispose();
            p.Reauthenticated = true;
            p.Attempt--; // the retry after a reauthentication is not a retry of a transient failure
            if (_access?.Generation == generation)
            {
                _access = null;
                _auth.Tell(new TokenRejected(generation));
            }
            Dispatch(p);
            return;
        }
        if (response.Status == HttpStatusCode.Unauthorized && InAuthOutage && p.Request.Body is null or { Rewindable: true } && MayRetry(p))
        {
            // Keystone was unreachable a moment ago: the service could not validate the token, which says nothing about it.
            response.Dispose();
            ScheduleRetry(p, null);
            return;
        }
        if (IsRetriableStatus(p, (int)response.Status) && MayRetry(p))
        {
            var retryAfter = SessionRules.RetryAfter(response, Now);
            response.Dispose();
            ScheduleRetry(p, retryAfter);
            return;
        }
        if (!response.IsSuccess && (p.Options.RaiseOnError ?? _settings.RaiseOnError))
        {
            response.Dispose();
            Fail(p, new HttpErrorException(response.Method, response.Url, response.Status, response.RequestId,
                ErrorBodies.Message(response.Header("Content-Type"), response.Body.Span), response));
            return;
        }
        _pending.Remove(p.Id);
        Reply(p, p.Request.CorrelationId is null ? response : response with { CorrelationId = p.Request.CorrelationId });
    }

    private sealed record RetryDue(long Id);

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
