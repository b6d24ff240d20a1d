using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
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
public sealed class SessionActor : ReceiveActor, IWithTimers
{
    private const string SweepTimer = "sweep";
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly IAuthenticator _authenticator;
    private readonly SessionSettings _settings;
    private readonly HttpMessageHandler? _handler;
    private readonly IActorRef? _transportOverride;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<long, Pending> _pending = new();
    private readonly Dictionary<string, EndpointGuard> _guards = new();
    private readonly List<Pending> _awaitingAccess = new();
    private HttpClient _http = null!;
    private HttpMessageInvoker _invoker = null!;
    private IActorRef _auth = ActorRefs.Nobody;
    private IActorRef _transport = ActorRefs.Nobody;
    private AccessInfo? _access;
    private bool _accessRequested;
    private long _nextId;
    private long _reauthentications;
    private DateTimeOffset? _authOutageAt;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public SessionActor(IAuthenticator authenticator, SessionSettings settings, HttpMessageHandler? handler = null, IActorRef? transport = null)
    {
        _authenticator = authenticator;
        _settings = settings;
        _handler = handler;
        _transportOverride = transport;

        Receive<OpenStackRequest>(OnRequest);
        Receive<TransportResult>(OnTransportResult);
        Receive<AccessGranted>(granted =>
        {
            _accessRequested = false;
            _access = granted.Access;
            DispatchAwaiting();
        });
        Receive<AccessRenewed>(renewed => _access = renewed.Access);
        Receive<AccessDenied>(denied =>
        {
            _accessRequested = false;
            var waiting = _awaitingAccess.ToArray();
            _awaitingAccess.Clear();
            // A Keystone outage is retried like any transient failure (the authenticator answers from memory while
            // it backs off, so this cannot flood Keystone); refused credentials are final.
            var transient = denied.Error is ConnectionFailedException or RequestTimeoutException
                || denied.Error is HttpErrorException { Status: >= HttpStatusCode.InternalServerError };
            if (transient) _authOutageAt = Now;
            foreach (var p in waiting)
            {
                if (!_pending.ContainsKey(p.Id)) continue;
                p.Attempt++;
                if (transient && MayRetry(p)) ScheduleRetry(p, denied.RetryAfter);
                else Fail(p, denied.Error);
            }
        });
        Receive<RetryDue>(due =>
        {
            if (_pending.TryGetValue(due.Id, out var p)) Dispatch(p);
        });
        Receive<Sweep>(_ => SweepLostReplies());
        Receive<GetAccess>(ask => _auth.Forward(ask));
        Receive<BreakerChanged>(OnBreakerChanged);
        Receive<GetSessionStats>(_ => Sender.Tell(new SessionStats(_pending.Count, _reauthentications, _access?.Generation)));
    }

    /// <summary>Props for a session.</summary>
    /// <param name="authenticator">How tokens are obtained.</param>
    /// <param name="settings">Settings, e.g. <see cref="SessionSettings.Create(ActorSystem)"/>.</param>
    /// <param name="handler">An HTTP handler to use instead of a new <see cref="SocketsHttpHandler"/> (tests, proxies).</param>
    /// <param name="transport">An actor to use instead of the TransportActor pool (tests script it with a probe).</param>
    public static Props Props(IAuthenticator authenticator, SessionSettings settings, HttpMessageHandler? handler = null, IActorRef? transport = null) =>
        Akka.Actor.Props.Create(() => new SessionActor(authenticator, settings, handler, transport));

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
        var handler = _handler ?? HttpHandlerFactory.Create(_settings.Transport, _log);
        _http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: _handler is null);
        _auth = Context.ActorOf(AuthenticatorActor.Props(_authenticator, _http, _settings.Token), "authenticator");
        _transport = _transportOverride ?? Context.ActorOf(TransportActor.PoolProps(_invoker, _settings.Transport), "transport");
        Timers.StartPeriodicTimer(SweepTimer, Sweep.Instance, SweepInterval);
    }


    private void OnRequest(OpenStackRequest request)
    {
        var options = request.Options ?? RequestOptions.Default;
        var p = new Pending(++_nextId, request, options, Sender);
        var invalid = SessionRules.Validate(request);
        if (invalid is not null)
        {
            Reply(p, new RequestFailed(invalid) { CorrelationId = request.CorrelationId });
            return;
        }
        _pending.Add(p.Id, p);
        Dispatch(p);
    }



    private static bool NeedsAccess(Pending p) => SessionRules.NeedsAccess(p.Request, p.AbsoluteUrl);

    private void Dispatch(Pending p)
    {
        if (!NeedsAccess(p))
        {
            Send(p, null);
            return;
        }
        if (_access is not null && (_access.ExpiresAt is not { } exp || Now < exp))
        {
            Send(p, _access);
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

    private void Send(Pending p, AccessInfo? access)
    {
        Uri url;
        try
        {
            url = SessionRules.ResolveUrl(p.Request, p.AbsoluteUrl, access?.Catalog);
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
        var guard = GuardFor(url);
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
        var timeout = p.Options.Timeout ?? _settings.RequestTimeout;
        p.Deadline = Now + timeout + _settings.ReplyGrace;
        _transport.Tell(new TransportRequest(p.Id, p.Request.Method, url, p.Request.Headers, p.Request.Body, token,
            p.Options.StreamResponse, timeout, _settings.MaxRedirects) { TraceParent = p.Request.TraceParent ?? default });
    }


    private void OnTransportResult(TransportResult result)
    {
        if (!_pending.TryGetValue(result.Id, out var p))
        {
            result.Response?.Dispose();   // answered already (lost-reply timeout): nobody reads this body
            return;
        }
        RecordOutcome(p, result);
        ReleaseSlot(p);
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

    private EndpointGuard GuardFor(Uri url)
    {
        var origin = EndpointGuard.OriginOf(url);
        if (_guards.TryGetValue(origin, out var guard)) return guard;
        guard = EndpointGuard.Create(origin, Context.System.Scheduler, _settings);
        var self = Self;
        guard.Breaker.OnOpen(() => self.Tell(new BreakerChanged(origin, BreakerState.Open)))
            .OnHalfOpen(() => self.Tell(new BreakerChanged(origin, BreakerState.HalfOpen)))
            .OnClose(() => self.Tell(new BreakerChanged(origin, BreakerState.Closed)));
        _guards.Add(origin, guard);
        return guard;
    }

    /// <summary>Feeds the endpoint's breaker and adaptive limit with what an attempt came to.</summary>
    private void RecordOutcome(Pending p, TransportResult result)
    {
        if (p.Slot is not { } guard) return;
        var status = result.Response is { } r ? (int)r.Status : 0;
        if (result.Error is ConnectionFailedException or RequestTimeoutException || status is 500 or 502 or 503 or 504)
        {
            guard.LastError = result.Error ?? new HttpErrorException(result.Response!.Method, result.Response.Url, result.Response.Status,
                result.Response.RequestId, ErrorBodies.Message(result.Response.Header("Content-Type"), result.Response.Body.Span));
            guard.Breaker.Fail();
        }
        else if (result.Response is not null)
            guard.Breaker.Succeed();
        var retryAfter = result.Response is { } response ? SessionRules.RetryAfter(response, Now) : null;
        if (status == 429 || (status == 503 && retryAfter is not null))
        {
            if (guard.OnThrottled(Now, retryAfter))
                _log.Warning("{0} is throttling (HTTP {1}): at most {2} requests in flight to it now", guard.Origin, status, guard.Limit);
        }
        else if (result.Response is { IsSuccess: true }) guard.OnSuccess(Now);
    }

    /// <summary>Gives back the request's slot and lets the next waiting requests of that endpoint go.</summary>
    private void ReleaseSlot(Pending p)
    {
        if (p.Slot is not { } guard) return;
        p.Slot = null;
        guard.InFlight--;
        if (p.IsProbe)
        {
            p.IsProbe = false;
            guard.ProbeInFlight = false;
        }
        while (guard.HasCapacity && guard.Waiting.TryDequeue(out var id))
            if (_pending.TryGetValue(id, out var next)) Dispatch(next);
    }

    private bool InAuthOutage => _authOutageAt is { } at && Now - at < _settings.UnauthorizedAfterAuthOutage;

    private void OnBreakerChanged(BreakerChanged changed)
    {
        if (!_guards.TryGetValue(changed.Origin, out var guard)) return;
        switch (changed.State)
        {
            case BreakerState.Open when guard.DownSince is null:
                guard.DownSince = Now;
                var reason = guard.LastError?.Message ?? "repeated failures";
                _log.Warning("{0} is down ({1}); requests to it fail fast, or wait with WaitForEndpoint, until a probe succeeds", guard.Origin, reason);
                Context.System.EventStream.Publish(new EndpointDown(Self, guard.Origin, Now, reason));
                break;
            case BreakerState.HalfOpen:
                // The first held request is the probe; the others wait for its outcome.
                DispatchHeld(guard, all: false);
                break;
            case BreakerState.Closed:
                if (guard.DownSince is { } since)
                {
                    guard.DownSince = null;
                    _log.Info("{0} is up again after {1:0.0} s", guard.Origin, (Now - since).TotalSeconds);
                    Context.System.EventStream.Publish(new EndpointUp(Self, guard.Origin, since, Now - since));
                }
                DispatchHeld(guard, all: true);
                break;
        }
    }

    /// <summary>Sends the requests <paramref name="guard"/> holds, in arrival order: the first still waiting, or all of
    /// those held now (one held again meanwhile waits for the next change). Entries already answered are dropped.</summary>
    private void DispatchHeld(EndpointGuard guard, bool all)
    {
        for (var left = guard.Held.Count; left > 0 && guard.Held.TryDequeue(out var id); left--)
        {
            if (!_pending.TryGetValue(id, out var p) || p.HeldBy != guard) continue;
            p.HeldBy = null;
            Dispatch(p);
            if (!all) return;
        }
    }

    private bool IsRetriableStatus(Pending p, int status) => SessionRules.IsRetriableStatus(status, p.Options, _settings);

    private bool MayRetry(Pending p) => SessionRules.MayRetry(p.Request, p.Options, p.Attempt, _settings);


    /// <summary>Exponential backoff with full jitter; a server's Retry-After is a floor, never cut short.</summary>
    private void ScheduleRetry(Pending p, TimeSpan? retryAfter)
    {
        var delay = SessionRules.RetryDelay(p.Attempt, retryAfter, _settings, ThreadLocalRandom.Current.NextDouble());
        p.Deadline = Now + delay + _settings.ReplyGrace;
        _log.Debug("Retrying {0} in {1:F1} s (attempt {2})", p.Request, delay.TotalSeconds, p.Attempt + 1);
        OpenStackTelemetry.Retries.Add(1);
        Timers.StartSingleTimer(("retry", p.Id), new RetryDue(p.Id), delay);
    }


    private void SweepLostReplies()
    {
        if (_pending.Count == 0) return;
        var now = Now;
        List<Pending>? lost = null;
        foreach (var p in _pending.Values)
            if (p.Deadline is { } deadline && now > deadline && !Timers.IsTimerActive(("retry", p.Id)))
                (lost ??= []).Add(p);
        if (lost is null) return;
        foreach (var p in lost)
        {
            _awaitingAccess.Remove(p);
            if (p.HeldBy is { } guard && p.HeldSince is { } since) Fail(p, guard.OpenError(now - since));
            else Fail(p, new RequestTimeoutException($"{p.Request} got no reply in time", (p.Options.Timeout ?? _settings.RequestTimeout) + _settings.ReplyGrace));
        }
    }

    private void Fail(Pending p, OpenStackException error)
    {
        _pending.Remove(p.Id);
        ReleaseSlot(p);
        Timers.Cancel(("retry", p.Id));
        Reply(p, new RequestFailed(error) { CorrelationId = p.Request.CorrelationId });
    }

    private void Reply(Pending p, object reply)
    {
        if (OpenStackTelemetry.Requests.Enabled)
            OpenStackTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", reply is RequestFailed f ? f.Error.GetType().Name : "response"));
        p.ReplyTo.Tell(reply, Self);
    }

    private void FailAll(string why)
    {
        foreach (var p in _pending.Values.ToArray()) Fail(p, new SessionStoppedException($"{p.Request} was not completed: {why}"));
        _awaitingAccess.Clear();
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        var answeredByFailAll = message is OpenStackRequest r && _pending.Values.Any(p => ReferenceEquals(p.Request, r));
        FailAll($"the session restarted ({reason.GetType().Name})");
        if (message is OpenStackRequest failed && !answeredByFailAll)
            Sender.Tell(new RequestFailed(new SessionStoppedException($"{failed} failed: the session restarted")) { CorrelationId = failed.CorrelationId });
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        FailAll("the session stopped");
        _http.Dispose();
        _invoker.Dispose();
        base.PostStop();
    }

    private sealed class Pending(long id, OpenStackRequest request, RequestOptions options, IActorRef replyTo)
    {
        public long Id { get; } = id;
        public OpenStackRequest Request { get; } = request;
        public Uri? AbsoluteUrl { get; } = SessionRules.AbsoluteHttpUrl(request.Url);
        public RequestOptions Options { get; } = options;
        public IActorRef ReplyTo { get; } = replyTo;
        /// <summary>Tries so far: sends, and token requests that failed transiently.</summary>
        public int Attempt { get; set; }
        public bool BodySent { get; set; }
        public bool Reauthenticated { get; set; }
        public long? TokenGeneration { get; set; }
        public DateTimeOffset? Deadline { get; set; }
        public EndpointGuard? Slot { get; set; }
        public bool IsProbe { get; set; }
        /// <summary>The endpoint whose open breaker holds this request (<see cref="RequestOptions.WaitForEndpoint"/>), or null.</summary>
        public EndpointGuard? HeldBy { get; set; }
        public DateTimeOffset? HeldSince { get; set; }
    }

    private enum BreakerState { Open, HalfOpen, Closed }

    private sealed record BreakerChanged(string Origin, BreakerState State);

    private sealed record RetryDue(long Id);

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
