using System.Globalization;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// Stands in for the SessionActor: answers <see cref="OpenStackRequest"/> with exactly one <see cref="OpenStackResponse"/>
/// or <see cref="RequestFailed"/> (CorrelationId echoed), <see cref="GetAccess"/> with <see cref="AccessGranted"/> or
/// <see cref="AccessDenied"/>, and <see cref="GetSessionStats"/> with <see cref="SessionStats"/>. It mirrors the real
/// session's rules: request validation, token on own endpoints only, endpoint resolution through the catalog,
/// one reauthentication per request on 401, retries of idempotent requests with backoff and Retry-After, timeouts,
/// raise-on-error, streamed bodies, and failing every pending request when it stops. Every wait is a timer on the
/// system's scheduler, so under the TestScheduler nothing happens until the test advances virtual time.
/// </summary>
internal sealed class FakeSessionActor : ReceiveActor, IWithTimers
{
    private const string AuthTimer = "auth";

    private readonly FakeSessionState _state;
    private readonly SessionSettings _settings;
    private readonly FakeSessionOptions _options;
    private readonly IActorRef? _reportTo;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<long, Pending> _pending = new();
    private readonly List<Pending> _awaitingAccess = new();
    private readonly List<IActorRef> _accessAskers = new();
    private AccessInfo? _access;
    private bool _fetching;
    private long _generation;
    private long _nextId;
    private long _reauthentications;

    public FakeSessionActor(FakeSessionState state, SessionSettings settings, FakeSessionOptions options, IActorRef? reportTo)
    {
        _state = state;
        _settings = settings;
        _options = options;
        _reportTo = reportTo;

        Receive<OpenStackRequest>(OnRequest);
        Receive<GetAccess>(_ => OnGetAccess(Sender));
        Receive<GetSessionStats>(_ => Sender.Tell(new SessionStats(_pending.Count, _reauthentications, CurrentAccess()?.Generation)));
        Receive<TokenFetched>(_ => FinishFetch());
        Receive<AttemptDue>(due =>
        {
            if (_pending.TryGetValue(due.Id, out var p)) Dispatch(p);
        });
        Receive<ReplyDue>(due =>
        {
            if (_pending.TryGetValue(due.Id, out var p)) Complete(p, due.Reply);
        });
    }

    public static Props Props(FakeSessionState state, SessionSettings settings, FakeSessionOptions options, IActorRef? reportTo) =>
        Akka.Actor.Props.Create(() => new FakeSessionActor(state, settings, options, reportTo));

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void OnRequest(OpenStackRequest request)
    {
        var p = new Pending(++_nextId, request, request.Options ?? RequestOptions.Default, Sender);
        p.Recorded = _state.Record(request, TryResolve(request), Sender, Now);
        var invalid = SessionRules.Validate(request);
        if (invalid is not null)
        {
            Complete(p, new RequestFailed(invalid) { CorrelationId = request.CorrelationId });
        }
        else
        {
            _pending.Add(p.Id, p);
            Dispatch(p);
        }
        _state.Notify(p.Recorded);
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    /// <summary>The token in force, or null when there is none or it expired (replaced on next use, as the real
    /// session's background renewal would have).</summary>
    private AccessInfo? CurrentAccess()
    {
        if (_state.TakeTokenInvalidated()) _access = null;
        if (_access?.ExpiresAt is { } expires && Now >= expires) _access = null;
        return _access;
    }

    private void OnGetAccess(IActorRef asker)
    {
        if (CurrentAccess() is { } access)
        {
            asker.Tell(new AccessGranted(access));
            return;
        }
        _accessAskers.Add(asker);
        StartFetch();
    }

    private void StartFetch()
    {
        if (_fetching) return;
        _fetching = true;
        // Zero delay is handled inline: the TestScheduler fires even zero-delay timers only on Advance.
        if (_options.AuthDelay <= TimeSpan.Zero) FinishFetch();
        else Timers.StartSingleTimer(AuthTimer, TokenFetched.Instance, _options.AuthDelay);
    }

    private void FinishFetch()
    {
        _fetching = false;
        var askers = _accessAskers.ToArray();
        var waiting = _awaitingAccess.ToArray();
        _accessAskers.Clear();
        _awaitingAccess.Clear();
        if (_state.AuthFailure is { } failure)
        {
            foreach (var asker in askers) asker.Tell(new AccessDenied(failure));
            foreach (var p in waiting)
                if (_pending.ContainsKey(p.Id)) Fail(p, failure);
            return;
        }
        _access = NewAccess();
        _log.Debug("FakeSession issued token generation {0}, expires {1:O}", _access.Generation, _access.ExpiresAt);
        foreach (var asker in askers) asker.Tell(new AccessGranted(_access));
        foreach (var p in waiting)
            if (_pending.ContainsKey(p.Id)) Attempt(p, _access);
    }

    private AccessInfo NewAccess()
    {
        var generation = ++_generation;
        var who = _options.Identity;
        return new AccessInfo(new AuthToken($"{_options.TokenPrefix}-{generation}"),
            _options.TokenLifetime is { } life ? Now + life : null,
            _state.Catalog,
            $"fake session for user {who.UserName} in project {who.ProjectName ?? who.ProjectId ?? "(unscoped)"}",
            who.UserId, who.ProjectId, generation)
        { AuthUrl = _options.AuthUrl };
    }

    // ---- requests -------------------------------------------------------------------------------------------

    private static bool NeedsAccess(Pending p) => SessionRules.NeedsAccess(p.Request, SessionRules.AbsoluteHttpUrl(p.Request.Url));

    private void Dispatch(Pending p)
    {
        if (!NeedsAccess(p))
        {
            Attempt(p, null);
            return;
        }
        if (CurrentAccess() is { } access)
        {
            Attempt(p, access);
            return;
        }
        _awaitingAccess.Add(p);
        StartFetch();
    }

    private void Attempt(Pending p, AccessInfo? access)
    {
        Uri url;
        try
        {
            url = SessionRules.ResolveUrl(p.Request, SessionRules.AbsoluteHttpUrl(p.Request.Url), access?.Catalog);
        }
        catch (OpenStackException e)
        {
            Fail(p, e);
            return;
        }

        p.TokenGeneration = null;
        if (p.Request.Authenticate && access is not null
            && SessionRules.MaySendToken(SessionRules.AbsoluteHttpUrl(p.Request.Url), url, access, p.Options, _settings))
            p.TokenGeneration = access.Generation;
        if (p.Attempt > 0 && p.Request.Body is { Rewindable: false })
        {
            Fail(p, new InvalidRequestException($"{p.Request.Method} {url} must be sent again, but its body stream cannot be rewound"));
            return;
        }
        p.Attempt++;

        if (_state.TakeCondition() is { } condition)
        {
            OnServerCondition(p, url, condition);
            return;
        }
        CannedStep? step;
        try
        {
            step = _state.TakeStep(p.Recorded);
        }
        catch (Exception e)
        {
            // A rule's predicate threw: report it like an unexpected request rather than crash (and restart) the fake.
            Unexpected(p, $"a rule's predicate threw {e.GetType().Name}: {e.Message}");
            return;
        }
        if (step is null)
        {
            Unexpected(p, "no scripted rule matches it");
            return;
        }
        Answer(p, url, step);
    }

    /// <summary>A scenario answer from the "server", handled as the real session handles it.</summary>
    private void OnServerCondition(Pending p, Uri url, ServerCondition condition)
    {
        if (condition.Status is not { } status)
        {
            if (MayRetry(p)) ScheduleRetry(p, null);
            else Fail(p, new ConnectionFailedException($"{p.Request.Method} {url}: connection failed: Connection refused (FakeSession.ConnectionFailures)"));
            return;
        }
        if (status == 401 && p.TokenGeneration is { } generation && !p.Reauthenticated && p.Request.Body is null or { Rewindable: true })
        {
            // The session's one transparent reauthentication: only the first 401 for a generation replaces the token.
            p.Reauthenticated = true;
            p.Attempt--;
            if (_access?.Generation == generation)
            {
                _access = null;
                _reauthentications++;
            }
            Dispatch(p);
            return;
        }
        if (IsRetriableStatus(p, status) && MayRetry(p))
        {
            ScheduleRetry(p, condition.RetryAfter);
            return;
        }
        var step = new CannedStep
        {
            Status = status,
            Body = Encoding.UTF8.GetBytes(KeystoneFixtures.ErrorJson(status, ((HttpStatusCode)status).ToString(), $"Scripted {status} from FakeSession")),
            ContentType = "application/json",
        };
        if (condition.RetryAfter is { } retryAfter)
            step.Headers["Retry-After"] = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        Answer(p, url, step);
    }

    private bool IsRetriableStatus(Pending p, int status) => SessionRules.IsRetriableStatus(status, p.Options, _settings);

    private bool MayRetry(Pending p) => SessionRules.MayRetry(p.Request, p.Options, p.Attempt, _settings);


    /// <summary>The real session waits a random time up to the exponential cap (or Retry-After when longer); the fake waits
    /// the cap itself, so that advancing virtual time that far always releases the retry.</summary>
    private void ScheduleRetry(Pending p, TimeSpan? retryAfter)
    {
        // The jitter's upper end (random = 1): the real session waits at most this long.
        var delay = SessionRules.RetryDelay(p.Attempt, retryAfter, _settings, random: 1);
        if (delay <= TimeSpan.Zero) Dispatch(p);
        else Timers.StartSingleTimer(("retry", p.Id), new AttemptDue(p.Id), delay);
    }

    private void Answer(Pending p, Uri url, CannedStep step)
    {
        var correlation = p.Request.CorrelationId;
        var timeout = p.Options.Timeout ?? _settings.RequestTimeout;
        if (step.Delay > TimeSpan.Zero && step.Delay >= timeout)
        {
            var timedOut = new RequestTimeoutException($"{p.Request.Method} {url} timed out after {timeout.TotalSeconds:0.###} s", timeout);
            Deliver(p, new RequestFailed(timedOut) { CorrelationId = correlation }, timeout);
            return;
        }
        if (step.Error is { } error)
        {
            Deliver(p, new RequestFailed(error) { CorrelationId = correlation }, step.Delay);
            return;
        }
        if (step.Status == 401 && p.TokenGeneration is { } generation && !p.Reauthenticated && _access?.Generation == generation)
        {
            // A 401 reaching the caller means the session reauthenticated once and was refused again: a new generation.
            _reauthentications++;
            _access = _state.AuthFailure is null ? NewAccess() : null;
        }
        var raise = p.Options.RaiseOnError ?? _settings.RaiseOnError;
        var failed = (step.Status is < 200 or >= 300) && raise; // as the real session: anything but 2xx
        var response = BuildResponse(p, url, step, stream: p.Options.StreamResponse && !failed);
        object reply = failed
            ? new RequestFailed(new HttpErrorException(p.Request.Method, url, response.Status, response.RequestId,
                ErrorBodies.Message(step.ContentType, step.Body), response)) { CorrelationId = correlation }
            : response;
        Deliver(p, reply, step.Delay);
    }

    private OpenStackResponse BuildResponse(Pending p, Uri url, CannedStep step, bool stream)
    {
        var headers = new Dictionary<string, string>(step.Headers, StringComparer.OrdinalIgnoreCase);
        var head = p.Request.Method == HttpMethod.Head;
        if (step.ContentType is not null) headers.TryAdd("Content-Type", step.ContentType);
        headers.TryAdd("Content-Length", step.Body.Length.ToString(CultureInfo.InvariantCulture));
        if (!headers.ContainsKey("x-openstack-request-id") && !headers.ContainsKey("x-trans-id") && !headers.ContainsKey("x-compute-request-id"))
            headers["x-openstack-request-id"] = $"req-fake-{p.Recorded.Sequence}";
        var response = new OpenStackResponse
        {
            Method = p.Request.Method,
            Url = url,
            Status = (HttpStatusCode)step.Status,
            Headers = headers,
            Elapsed = step.Delay,
            CorrelationId = p.Request.CorrelationId,
        };
        if (head) return response;
        return stream
            ? response with { BodyStream = new MemoryStream(step.Body, writable: false) }
            : response with { Body = step.Body };
    }

    private void Unexpected(Pending p, string why)
    {
        var reason = $"FakeSession: unexpected request {p.Recorded} ({why})\nScripted rules:\n{_state.DescribeRules()}";
        var unexpected = new UnexpectedRequest(p.Recorded, reason);
        _state.AddUnexpected(unexpected);
        _reportTo?.Tell(unexpected);
        _log.Warning("{0}", reason);
        Fail(p, new UnexpectedRequestException(reason));
    }

    private void Deliver(Pending p, object reply, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) Complete(p, reply);
        else Timers.StartSingleTimer(("reply", p.Id), new ReplyDue(p.Id, reply), delay);
    }

    private void Fail(Pending p, OpenStackException error) =>
        Complete(p, new RequestFailed(error) { CorrelationId = p.Request.CorrelationId });

    private void Complete(Pending p, object reply)
    {
        _pending.Remove(p.Id);
        Timers.Cancel(("retry", p.Id));
        Timers.Cancel(("reply", p.Id));
        p.ReplyTo.Tell(reply, Self);
    }

    // ---- urls -----------------------------------------------------------------------------------------------


    private Uri? TryResolve(OpenStackRequest request)
    {
        if (request.Url is null) return null;
        try
        {
            return SessionRules.ResolveUrl(request, SessionRules.AbsoluteHttpUrl(request.Url), _state.Catalog);
        }
        catch (OpenStackException)
        {
            return null;
        }
    }


    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        // As the real session: nobody is left waiting for a reply that the restarted actor cannot know about.
        var answeredByFailAll = message is OpenStackRequest r && _pending.Values.Any(p => ReferenceEquals(p.Request, r));
        FailAll($"the session restarted ({reason.GetType().Name})");
        if (message is OpenStackRequest request && !answeredByFailAll)
            Sender.Tell(new RequestFailed(new SessionStoppedException($"{request} failed: the session restarted")) { CorrelationId = request.CorrelationId });
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        FailAll("the session stopped");
        base.PostStop();
    }

    private void FailAll(string why)
    {
        foreach (var p in _pending.Values.ToArray()) Fail(p, new SessionStoppedException($"{p.Request} was not completed: {why}"));
        foreach (var asker in _accessAskers) asker.Tell(new AccessDenied(new SessionStoppedException($"No token: {why}")));
        _accessAskers.Clear();
    }

    private sealed class Pending(long id, OpenStackRequest request, RequestOptions options, IActorRef replyTo)
    {
        public long Id { get; } = id;
        public OpenStackRequest Request { get; } = request;
        public RequestOptions Options { get; } = options;
        public IActorRef ReplyTo { get; } = replyTo;
        public RecordedRequest Recorded { get; set; } = null!;
        public int Attempt { get; set; }
        public bool Reauthenticated { get; set; }
        public long? TokenGeneration { get; set; }
    }

    private sealed record TokenFetched
    {
        public static readonly TokenFetched Instance = new();
    }

    private sealed record AttemptDue(long Id);

    private sealed record ReplyDue(long Id, object Reply);
}
