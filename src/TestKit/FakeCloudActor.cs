using System.Globalization;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OpenStack.Actors.Http;
using OpenStack.Actors.Session;
using OpenStack.Actors.Transport;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The scripted transport under the fake session's real <see cref="SessionActor"/>: answers each
/// <see cref="TransportRequest"/> (one attempt) with a <see cref="TransportResult"/> as the cloud would: 401 for a token
/// its Keystone does not accept, then the scenario conditions, then the first matching scripted rule; a request no rule
/// matches fails with <see cref="UnexpectedRequestException"/>. Delays are timers on the system's scheduler, and a delay
/// reaching the attempt's timeout ends in the transport's own <see cref="RequestTimeoutException"/> at that timeout.
/// </summary>
/// <remarks>An actor rather than an <see cref="HttpMessageHandler"/> under the real TransportActor: the exchange's timeout
/// runs on real time, and replies from tasks could not be ordered against the test's barriers.
/// Waiters of <see cref="FakeSession.ExpectRequestAsync(HttpMethod?, UrlPattern, TimeSpan?, CancellationToken)"/> are woken
/// once the attempt is settled: a delayed answer is on the scheduler, an immediate one has been handled by the session
/// (its retry timer set, or the caller answered), which the session's reply to a stats request sent after it shows.</remarks>
internal sealed class FakeCloudActor : ReceiveActor, IWithTimers
{
    private readonly FakeSessionState _state;
    private readonly FakeKeystone _keystone;
    private readonly IActorRef? _reportTo;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<RecordedRequest> _unsettled = new();
    private readonly HashSet<IActorRef> _watched = new();

    public FakeCloudActor(FakeSessionState state, FakeKeystone keystone, IActorRef? reportTo)
    {
        _state = state;
        _keystone = keystone;
        _reportTo = reportTo;
        Receive<TransportRequest>(OnAttempt);
        Receive<ReplyDue>(due => due.To.Tell(due.Result, Self));
        Receive<SessionStats>(_ =>
        {
            if (_unsettled.TryDequeue(out var settled)) _state.Notify(settled);
        });
        Receive<StatsBarrier>(barrier => barrier.Session?.Forward(GetSessionStats.Instance));
        Receive<Terminated>(_ =>
        {
            while (_unsettled.TryDequeue(out var settled)) _state.Notify(settled);
        });
    }

    public static Props Props(FakeSessionState state, FakeKeystone keystone, IActorRef? reportTo) =>
        Akka.Actor.Props.Create(() => new FakeCloudActor(state, keystone, reportTo));

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void OnAttempt(TransportRequest attempt)
    {
        if (_watched.Add(Sender)) Context.Watch(Sender);
        var origin = _state.OriginOf(attempt);
        var recorded = _state.Record(origin?.Request ?? Unrelated(attempt), attempt, origin?.Sender ?? Sender, Now);
        var delay = Respond(attempt, recorded);
        if (delay > TimeSpan.Zero)
        {
            _state.Notify(recorded);
            return;
        }
        _unsettled.Enqueue(recorded);
        Sender.Tell(GetSessionStats.Instance);
    }

    /// <summary>Answers the attempt (now or on a timer) and returns the delay.</summary>
    private TimeSpan Respond(TransportRequest attempt, RecordedRequest recorded)
    {
        if (attempt.Token is { } token && !_keystone.Accepts(token.Value, Now))
            return Answer(attempt, recorded, ErrorStep(401, null, "The request you have made requires authentication."));
        if (_state.TakeCondition() is { } condition)
        {
            if (condition.Status is { } status) return Answer(attempt, recorded, ErrorStep(status, condition.RetryAfter, $"Scripted {status} from FakeSession"));
            return Deliver(attempt, recorded, new ConnectionFailedException(
                $"{attempt.Method} {Redaction.Url(attempt.Url)}: connection failed: Connection refused (FakeSession.ConnectionFailures)"), TimeSpan.Zero);
        }
        CannedStep? step;
        try
        {
            step = _state.TakeStep(recorded);
        }
        catch (Exception e)
        {
            // A rule's predicate threw: reported like an unexpected request rather than crashing (and restarting) the cloud.
            return Unexpected(attempt, recorded, $"a rule's predicate threw {e.GetType().Name}: {e.Message}");
        }
        return step is null ? Unexpected(attempt, recorded, "no scripted rule matches it") : Answer(attempt, recorded, step);
    }

    private static CannedStep ErrorStep(int status, TimeSpan? retryAfter, string message)
    {
        var step = new CannedStep
        {
            Status = status,
            Body = Encoding.UTF8.GetBytes(KeystoneFixtures.ErrorJson(status, ((HttpStatusCode)status).ToString(), message)),
            ContentType = "application/json",
        };
        if (retryAfter is { } wait) step.Headers["Retry-After"] = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return step;
    }

    private TimeSpan Answer(TransportRequest attempt, RecordedRequest recorded, CannedStep step)
    {
        if (step.Delay > TimeSpan.Zero && step.Delay >= attempt.Timeout)
            return Deliver(attempt, recorded, HttpExchange.TimedOut(attempt.Method, attempt.Url, attempt.Timeout), attempt.Timeout);
        if (step.Error is { } error) return Deliver(attempt, recorded, error, step.Delay);
        var headers = new Dictionary<string, string>(step.Headers, StringComparer.OrdinalIgnoreCase);
        if (step.ContentType is not null) headers.TryAdd("Content-Type", step.ContentType);
        headers.TryAdd("Content-Length", step.Body.Length.ToString(CultureInfo.InvariantCulture));
        if (!headers.ContainsKey("x-openstack-request-id") && !headers.ContainsKey("x-trans-id") && !headers.ContainsKey("x-compute-request-id"))
            headers["x-openstack-request-id"] = $"req-fake-{recorded.Sequence}";
        var response = new OpenStackResponse
        {
            Method = attempt.Method, Url = attempt.Url, Status = (HttpStatusCode)step.Status, Headers = headers, Elapsed = step.Delay,
        };
        if (attempt.Method != HttpMethod.Head)
            response = attempt.StreamResponse
                ? response with { BodyStream = new MemoryStream(step.Body, writable: false) }
                : response with { Body = step.Body };
        return Deliver(recorded, new TransportResult(attempt.Id, response, null), step.Delay);
    }

    private TimeSpan Unexpected(TransportRequest attempt, RecordedRequest recorded, string why)
    {
        var reason = $"FakeSession: unexpected request {recorded} ({why})\nScripted rules:\n{_state.DescribeRules()}";
        var unexpected = new UnexpectedRequest(recorded, reason);
        _state.AddUnexpected(unexpected);
        _reportTo?.Tell(unexpected);
        _log.Warning("{0}", reason);
        return Deliver(attempt, recorded, new UnexpectedRequestException(reason), TimeSpan.Zero);
    }

    private TimeSpan Deliver(TransportRequest attempt, RecordedRequest recorded, OpenStackException error, TimeSpan delay) =>
        Deliver(recorded, new TransportResult(attempt.Id, null, error), delay);

    private TimeSpan Deliver(RecordedRequest recorded, TransportResult result, TimeSpan delay)
    {
        // Zero is sent at once: the TestScheduler fires even zero-delay timers only on the next Advance.
        if (delay <= TimeSpan.Zero) Sender.Tell(result, Self);
        else Timers.StartSingleTimer(("reply", recorded.Sequence), new ReplyDue(Sender, result), delay);
        return delay;
    }

    /// <summary>An attempt whose headers lost the request's tracking (another layer replaced them): recorded as itself.</summary>
    private static OpenStackRequest Unrelated(TransportRequest attempt) =>
        new(attempt.Method, attempt.Url.AbsoluteUri) { Headers = attempt.Headers, Body = attempt.Body };

    private sealed record ReplyDue(IActorRef To, TransportResult Result);
}
